"""The electrical world of the control pilot, as the board's ADC sees it (simulation).

    op-amp +-V_DRIVE ── RS 1k ──┬── CP ── EV: diode ──> R_EV to PE   (A: no EV, E: CP shorted)
                                └── R1 ── ADC node ── R2 to 3.3 V, R3 to GND

The PWM output (a machine.PWM from the fake machine) decides, from ticks_us(), whether the
op-amp drives +V or -V at the instant of an ADC read; the node equations give the CP voltage
with the EV's diode (0.7 V drop; a missing diode conducts both ways) and the load of the
divider; the divider gives the ADC voltage and so counts 0..65535 for 0..3.3 V.
"""
import time

RS = 1000  # IEC 61851-1: 1 kOhm source resistance of the EVSE's oscillator
R_EV = {"B": 2740, "C": 882, "D": 246}  # EV: 2.74k, 2.74k||1.3k, 2.74k||270R
V_DIODE = 0.7
V_DRIVE = 12.0
VCC = 3.3
R1, R2, R3 = 100000, 21500, 17400  # docs/hardware.md


def adc_volts(vcp, r1=R1, r2=R2, r3=R3):
    """Voltage at the ADC pin for a CP voltage (the divider alone)."""
    g1, g2, g3 = 1 / r1, 1 / r2, 1 / r3
    return (vcp * g1 + VCC * g2) / (g1 + g2 + g3)


def counts(vcp):
    return int(adc_volts(vcp) / VCC * 65535 + 0.5)


def cp_volts(vs, state, diode=True):
    """CP voltage with the op-amp at ``vs`` and the EV in ``state`` (A..E)."""
    if state == "E":
        return 0.0
    # the divider as seen from CP: Thevenin source vth behind rd
    rd = R1 + 1 / (1 / R2 + 1 / R3)
    vth = VCC * R3 / (R2 + R3)
    g = 1 / RS + 1 / rd
    i = vs / RS + vth / rd
    r_ev = R_EV.get(state)
    if r_ev is None:
        return i / g
    if not diode:
        return i / (g + 1 / r_ev)
    v = (i + V_DIODE / r_ev) / (g + 1 / r_ev)
    return v if v > V_DIODE else i / g  # the diode blocks below its drop


class PilotWorld:
    """An EV on the pilot of the board whose PWM is on ``pwm_pin`` and ADC on ``adc_pin``.

    ``state`` "A".."E" (E: CP shorted to PE), ``diode`` False for a missing EV diode,
    ``noise`` +-counts of deterministic noise added to each read.
    """

    def __init__(self, pwm_pin, adc_pin, noise=0):
        self.pwm_pin = pwm_pin
        self.state = "A"
        self.diode = True
        self.noise = noise
        self._seed = 12345
        import machine  # the fake one (the equations above also serve the rp2 emulator's tests)

        machine.adc_source(adc_pin, self.read)

    def drive_high(self):
        import machine

        pwm = machine.pwm_on(self.pwm_pin)
        if pwm is None:
            return False
        duty = pwm.duty_u16()
        if pwm.invert:
            duty = 65535 - duty
        if duty >= 65535:
            return True
        if duty <= 0:
            return False
        period = 1000000 // (pwm.freq() or 1000)
        return (time.ticks_us() % period) * 65535 < duty * period

    def read(self):
        vs = V_DRIVE if self.drive_high() else -V_DRIVE
        c = counts(cp_volts(vs, self.state, self.diode))
        if self.noise:
            self._seed = (self._seed * 1103515245 + 12345) & 0x7FFFFFFF
            c += self._seed % (2 * self.noise + 1) - self.noise
        return c
