"""A test bench for a real board's board.py on the simulated machine: the board's pins wired
to simulated devices (EV on the pilot, MFRC522 with cards, contactor mirror contact, RCM module
with test winding, cable-lock motor with end switch, S0 meter).

    bench = Bench("esp32_devkitc", settings)   # builds the world, then board.Board(settings)
    bench.ev.state = "C"; bench.board.pilot_levels()
"""
import sys

HERE = __file__.rsplit("/", 1)[0]
ROOT = HERE.rsplit("/", 3)[0]


def use_board(name):
    """Put the fakes, boards/common and boards/<name> first on the module path."""
    for p in (ROOT + "/boards/" + name, ROOT + "/boards/common", HERE):
        if p in sys.path:
            sys.path.remove(p)
        sys.path.insert(0, p)


class Bench:
    def __init__(self, name, settings=None, wiring=True):
        use_board(name)
        import machine
        import network
        import pilot_world
        from mfrc522_sim import MFRC522Sim

        import board as board_module

        machine.reset_world()
        network.reset_world()
        self.machine = machine
        settings = settings or {}
        self.logs = []
        pins = dict(board_module.Board.PINS)
        if isinstance(settings.get("pins"), dict):
            pins.update(settings["pins"])
        self.pins = pins
        self.ev = pilot_world.PilotWorld(pins["pilot_pwm"], pins["pilot_adc"])
        self.chip = None
        if pins.get("rfid_cs") is not None:
            self.chip = MFRC522Sim(self.spi_bus(name), pins["rfid_cs"])
        self.welded = False
        self.rcm_broken = False
        self.lock_jammed = False
        if wiring:
            self._wire()
        self.board = board_module.Board(settings, log=self.logs.append)

    @staticmethod
    def spi_bus(name):
        return 2 if name.startswith("esp32") else 0

    def _wire(self):
        m = self.machine
        p = self.pins
        if p.get("contactor_fb") is not None:
            fb = p["contactor_fb"]
            m.drive(fb, 0)

            def mirror(level):  # auxiliary contact follows the coil unless the contacts weld
                if not self.welded:
                    m.drive(fb, level)
            m.pin(p["contactor"]).listeners.append(mirror)
        if p.get("rcd") is not None:
            m.drive(p["rcd"], 0)
            if p.get("rcd_test") is not None:
                def rcm(level):  # the test winding trips a healthy module
                    if not self.rcm_broken:
                        m.drive(p["rcd"], level)
                m.pin(p["rcd_test"]).listeners.append(rcm)
        if p.get("lock_fb") is not None:
            m.drive(p["lock_fb"], 0)

            def motor(locked):
                def on(level):
                    if level and not self.lock_jammed:
                        m.drive(p["lock_fb"], 1 if locked else 0)
                return on
            if p.get("lock_a") is not None:
                m.pin(p["lock_a"]).listeners.append(motor(True))
                m.pin(p["lock_b"]).listeners.append(motor(False))
        if p.get("s0") is not None:
            m.drive(p["s0"], 1)  # S0 transistor off: pulled up
        if p.get("temp_adc") is not None:
            m.adc_source(p["temp_adc"], lambda: 32768)  # NTC at its R25: 25 C

    def s0_pulse(self):
        """One S0 pulse: the transistor pulls the input low, then lets go."""
        self.machine.drive(self.pins["s0"], 0)
        self.machine.drive(self.pins["s0"], 1)

    def pin_level(self, key):
        return self.machine.pin(self.pins[key]).level()
