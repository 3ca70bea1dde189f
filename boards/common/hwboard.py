"""The part every real board shares: the board interface (docs/boards.md) built from a
pin map and the drivers in this directory. A board (boards/<name>/board.py) subclasses
HardwareBoard with its default pin map and the few things that differ per port (ADC, pulse
counter, timer, SPI bus, watchdog range).

config.json keys read here (all optional; see boards/<name>/config.example.json):
  "pins":     {name: GPIO} overrides of the board's default pin map; null = not fitted
  "pins_2":   the same for the second outlet (its own pins only: OUTLET_PINS)
  "hardware": connectors (1 or 2), phases, voltage, max_current_a, meter_imp_per_kwh, s0_debounce_ms, pilot_cal
              {adc_p12, adc_m12, invert, window_us, band_v}, contactor_fb ("contact" | "ac"),
              contactor_fb_active, rcd_active, lock_pulse_ms, lock_fb_locked, led_active,
              ntc {r_fixed, r25, beta}, watchdog_ms
  "wifi", "ntp_host": see net.py
An invalid value raises ValueError naming the key.
"""
import asyncio
import os

import machine

from io_devices import CableLock, Contactor, Ntc, PhaseSelector, Rcd, StatusLed
from net import Net
from pilot_frontend import FREQ_HZ, PilotFrontEnd
from s0meter import S0Counter, debounce_for

WDT_OFF_FLAG = "wdt_off"  # file in the flash root: never arm the watchdog (tools/deploy.sh)

# Every pin name a board may map; None = not fitted. An outlet's own pins come first; the
# second outlet of a two-connector board has a map of those ("pins_2"), the rest is shared.
OUTLET_PINS = ("pilot_pwm", "pilot_adc", "contactor", "contactor_fb", "s0", "rcd", "rcd_test",
               "lock_a", "lock_b", "lock_fb", "led", "phase_a", "phase_b", "three_phase")
PIN_NAMES = OUTLET_PINS + ("temp_adc", "rfid_sck", "rfid_mosi", "rfid_miso", "rfid_cs",
                           "rfid_rst")
_REQUIRED = ("pilot_pwm", "pilot_adc", "contactor")


def _bad(key, why):
    return ValueError("config.json %s: %s" % (key, why))


def _number(d, key, default, lo, hi, where="hardware"):
    v = d.get(key, default)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:
        raise _bad("%s.%s" % (where, key), "must be a number from %s to %s" % (lo, hi))
    return v


def _level(d, key, default):
    return _number(d, key, default, 0, 1)


class HardwareOutlet:
    """One charging outlet's hardware: pilot, contactor, S0 meter, RCD, cable lock, LED and
    phase relays, on the GPIOs of its pin map, with the outlet's half of the board interface.
    A HardwareBoard is its own first outlet; a second one is built by the board (``port``:
    the board, whose port specifics (ADC, pulse counter, timer) it uses)."""

    def __init__(self, board):
        self._board = board  # the whole board: the enclosure's temperature
        self.name = board.name
        self.phases = board.phases
        self.voltage = board.voltage
        self.max_current_a = board.max_current_a
        self.meter_imp_per_kwh = board.meter_imp_per_kwh

    def _build(self, port, pins, hw, key, unit):
        # Every pin is validated before this runs (a bad map fails with nothing driven); the
        # contactor first, so a later failure leaves it open.
        Pin = machine.Pin
        self._contactor = Contactor(
            Pin(pins["contactor"], Pin.OUT, value=0),
            port._input(pins["contactor_fb"], Pin.PULL_UP),
            fb_active=_level(hw, "contactor_fb_active", 1),
            fb_mode=port._choice(hw, "contactor_fb", "contact", ("contact", "ac")))

        cal = dict(port.PILOT_CAL)
        cal.update(hw.get("pilot_cal") or {})
        for k in ("adc_p12", "adc_m12"):
            _number(cal, k, 0, 0, 65535, "hardware.pilot_cal")
        pwm = machine.PWM(Pin(pins["pilot_pwm"], Pin.OUT), freq=FREQ_HZ, duty_u16=65535)
        self._pilot = PilotFrontEnd(pwm, port._analog(pins["pilot_adc"], key + ".pilot_adc"),
                                    cal, port._capture(pins["pilot_adc"]))

        s0 = pins["s0"]
        self._meter = None
        if s0 is not None:
            power_w = self.max_current_a * self.voltage * self.phases
            debounce = _number(hw, "s0_debounce_ms",
                               debounce_for(self.meter_imp_per_kwh, int(power_w)), 0, 1000)
            self._meter = port._s0(Pin(s0, Pin.IN, Pin.PULL_UP), int(debounce), unit)

        self._rcd = None
        if pins["rcd"] is not None:
            test = pins["rcd_test"]
            self._rcd = Rcd(Pin(pins["rcd"], Pin.IN), active=_level(hw, "rcd_active", 1),
                            test=None if test is None else Pin(test, Pin.OUT, value=0),
                            on_trip=self._contactor.force_open, hard=port.IRQ_HARD)

        self._lock = None
        if pins["lock_a"] is not None and pins["lock_b"] is not None:
            self._lock = CableLock(Pin(pins["lock_a"], Pin.OUT, value=0),
                                   Pin(pins["lock_b"], Pin.OUT, value=0),
                                   port._input(pins["lock_fb"], Pin.PULL_UP),
                                   fb_locked=_level(hw, "lock_fb_locked", 1),
                                   pulse_ms=int(_number(hw, "lock_pulse_ms", 300, 10, 3000)))
        self.has_lock = self._lock is not None

        self._led = None
        if pins["led"] is not None:
            self._led = StatusLed(Pin(pins["led"], Pin.OUT, value=0), port._timer(unit),
                                  active=_level(hw, "led_active", 1))
            self._led.show("unavailable")

        self._phase = None
        if pins["phase_a"] is not None and pins["phase_b"] is not None:
            self._phase = PhaseSelector(Pin(pins["phase_a"], Pin.OUT, value=0),
                                        Pin(pins["phase_b"], Pin.OUT, value=0))
        # the phase-count relay: on, L2 and L3 go to the EV too (three phases); off, L1 only
        self._three = None
        if pins["three_phase"] is not None and self.phases == 3:
            self._three = Pin(pins["three_phase"], Pin.OUT, value=1)

    # -- the outlet's interface -------------------------------------------------------------------
    def pilot_levels(self):
        return self._pilot.levels()

    def set_pwm(self, duty_percent):
        self._pilot.set_pwm(duty_percent)

    def set_contactor(self, closed):
        if closed and self._rcd is not None and self._rcd.is_tripped():
            closed = False  # hardware interlock: never close on a tripped RCD
        self._contactor.set(closed)

    def contactor_feedback(self):
        return self._contactor.feedback()

    def meter_pulses(self):
        if self._meter is None:
            return (0, 0, 0)
        return self._meter.pulses()

    def rcd_tripped(self):
        return self._rcd is not None and self._rcd.is_tripped()

    def rcd_reset(self):
        if self._rcd is not None:
            self._rcd.reset()

    async def rcd_self_test(self):
        if self._rcd is None or not self._rcd.can_self_test:
            return None
        return await self._rcd.self_test()

    def temperature_c(self):
        return self._board.enclosure_c()

    def currents_a(self):
        return None  # no current transformers on these boards

    def lock(self, locked):
        if self._lock is None:
            return None
        return self._lock.lock(locked)

    def led(self, pattern):
        if self._led is not None:
            self._led.show(pattern)

    def select_phase(self, phase):
        """Grid phase (1..3) for a single-phase EV (OnePhaseChargingPhase). True when switched;
        False while the contactor is closed (switch only with no load); None if not fitted."""
        if self._phase is None:
            return None
        if self._contactor.closed:
            return False
        self._phase.select(phase)
        return True

    def set_phases(self, n):
        """Three phases or one to the EV (the phase-count relay). True when switched; False
        while the contactor is closed (never under load); None if not fitted."""
        if self._three is None:
            return None
        if self._contactor.closed:
            return False
        self._three.value(1 if n >= 3 else 0)
        return True

    def make_safe(self):
        """Contactor open, pilot at steady +12 V (nothing offered)."""
        self._contactor.force_open()
        self._pilot.set_pwm(100)


class HardwareBoard(HardwareOutlet):
    name = "hardware"
    PINS = {}  # type: dict  # the board's default pin map (subclass)
    # the second outlet's default pins ("hardware": {"connectors": 2}); "pins_2" overrides
    PINS_2 = {}  # type: dict
    PILOT_CAL = {"adc_p12": 47484, "adc_m12": 6047}  # nominal divider, docs/hardware.md
    WDT_MIN_MS = 1000
    WDT_MAX_MS = 8388
    ADC_PINS = ()  # type: tuple  # pins usable as ADC inputs (empty: any)
    IRQ_HARD = False  # pin IRQs as hard interrupts (rp2) or scheduled (esp32)

    def __init__(self, settings, log=print):
        self.log = log
        hw = settings.get("hardware") or {}
        if not isinstance(hw, dict):
            raise _bad("hardware", "must be an object")
        self.connectors = n = int(_number(hw, "connectors", 1, 1, 2))
        self.pins = pins = self._pin_map(settings.get("pins"), self.PINS, "pins", PIN_NAMES)
        pins_2 = None
        if n == 2:
            pins_2 = self._pin_map(settings.get("pins_2"), self.PINS_2, "pins_2", OUTLET_PINS,
                                   taken=pins)
        elif settings.get("pins_2") is not None:
            raise _bad("pins_2", "needs hardware.connectors 2")
        self.phases = _number(hw, "phases", 3, 1, 3)
        if self.phases == 2:
            raise _bad("hardware.phases", "must be 1 or 3")
        self.voltage = _number(hw, "voltage", 230, 100, 480)
        self.max_current_a = _number(hw, "max_current_a", 16, 6, 80)
        self.meter_imp_per_kwh = int(_number(hw, "meter_imp_per_kwh", 1000, 1, 100000))
        # set by start-up: fn(idTag, connector=None) for a card, fn() after NTP has set the
        # clock, fn(connector) -> the agent's status fields, fn(up) when WiFi comes or goes
        self.on_card = None
        self.on_time = None
        self.status_fields = None
        self.on_network = None
        self.heap_after_imports = None
        self._board = self
        self._outlets = [self]  # type: list
        self._build(self, pins, hw, "pins", 0)
        if pins_2 is not None:
            o = HardwareOutlet(self)
            self._outlets.append(o)
            o._build(self, pins_2, hw, "pins_2", 1)

        self._ntc = None
        if pins["temp_adc"] is not None:
            ntc = hw.get("ntc") or {}
            self._ntc = Ntc(self._analog(pins["temp_adc"], "pins.temp_adc"),
                            r_fixed=_number(ntc, "r_fixed", 10000, 100, 1e6, "hardware.ntc"),
                            r25=_number(ntc, "r25", 10000, 100, 1e6, "hardware.ntc"),
                            beta=_number(ntc, "beta", 3950, 1000, 10000, "hardware.ntc"))

        self.cards = None
        if pins["rfid_cs"] is not None:
            self.cards = self._card_reader(pins)

        self.net = Net(settings, log)
        self.net.on_time = self._time_set
        self.net.on_change = self._network_changed
        self._wdt_ms = int(_number(hw, "watchdog_ms", min(8000, self.WDT_MAX_MS),
                                   self.WDT_MIN_MS, self.WDT_MAX_MS))
        self._wdt = None
        self._wdt_decided = False

    # -- configuration helpers --------------------------------------------------------------------
    def _pin_map(self, over, defaults, key, names, taken=None):
        """The pin map ``key`` ("pins" or "pins_2"): the board's defaults for ``names`` with
        config.json's overrides, every GPIO used once (``taken``: the first outlet's map)."""
        pins = {}
        for k in names:
            pins[k] = defaults.get(k)
        if over is not None:
            if not isinstance(over, dict):
                raise _bad(key, "must be an object {name: GPIO}")
            for k, v in over.items():
                if k not in pins:
                    raise _bad(key + "." + k, "unknown pin name (known: %s)" % ", ".join(names))
                if v is not None and (isinstance(v, bool) or not isinstance(v, (int, str))):
                    raise _bad(key + "." + k, "must be a GPIO number, a pin name or null")
                pins[k] = v
        for k in _REQUIRED:
            if pins[k] is None:
                raise _bad(key + "." + k, "is required")
        used = {}  # type: dict
        for k in names:
            v = pins[k]
            if v is not None:
                if v in used:
                    raise _bad(key + "." + k, "GPIO %s is also %s.%s" % (v, key, used[v]))
                if taken is not None:
                    for k1, v1 in taken.items():
                        if v1 == v:
                            raise _bad(key + "." + k, "GPIO %s is also pins.%s" % (v, k1))
                used[v] = k
        return pins

    @staticmethod
    def _choice(d, key, default, allowed):
        v = d.get(key, default)
        if v not in allowed:
            raise _bad("hardware." + key, "must be one of %s" % ", ".join(allowed))
        return v

    def _input(self, pin, pull):
        return None if pin is None else machine.Pin(pin, machine.Pin.IN, pull)

    def _analog(self, pin, key):
        if self.ADC_PINS and pin not in self.ADC_PINS:
            raise _bad(key, "GPIO %s is not a usable ADC input (use one of %s)"
                       % (pin, ", ".join(str(p) for p in self.ADC_PINS)))
        return self._adc_read(pin)

    def _card_reader(self, pins):
        from mfrc522 import MFRC522, CardReader

        Pin = machine.Pin
        for k in ("rfid_sck", "rfid_mosi", "rfid_miso"):
            if pins[k] is None:
                raise _bad("pins." + k, "is required with pins.rfid_cs")
        spi = self._spi(Pin(pins["rfid_sck"]), Pin(pins["rfid_mosi"]), Pin(pins["rfid_miso"]))
        rst = pins["rfid_rst"]
        reader = MFRC522(spi, Pin(pins["rfid_cs"], Pin.OUT, value=1),
                         None if rst is None else Pin(rst, Pin.OUT, value=1))
        v = reader.version()
        if v in (0x00, 0xFF):
            self.log("board: no MFRC522 answers on SPI (VersionReg 0x%02X): card reader off" % v)
            return None
        return CardReader(reader, self._card_callback, log=self.log)

    def _card_callback(self):
        return self.on_card

    def _time_set(self):
        if self.on_time is not None:
            self.on_time()

    def name_server(self):
        """(address, port) of the DNS server the WiFi network gave, or None while offline."""
        return self.net.name_server()

    def _network_changed(self, up):
        if self.on_network is not None:
            self.on_network(up)

    # -- port specifics (subclasses) --------------------------------------------------------------
    def _adc_read(self, pin):
        """fn() -> 0..65535 for the ADC on ``pin``."""
        raise NotImplementedError

    def _capture(self, pin):
        """A hardware-paced sampler of the ADC on ``pin`` for the pilot (PilotFrontEnd's
        ``capture``), or None: the interpreter paces the samples."""
        return None

    def _s0(self, pin, debounce_ms, unit=0):
        """The S0 pulse counter of outlet unit + 1: an object with pulses() -> (count,
        last_ms, interval_ms)."""
        return S0Counter(pin, debounce_ms, hard=self.IRQ_HARD)

    def _timer(self, unit=0):
        """A periodic timer for outlet unit + 1's LED."""
        raise NotImplementedError

    def _spi(self, sck, mosi, miso):
        raise NotImplementedError

    # -- the board interface (the outlet's half is HardwareOutlet's) ------------------------------
    def outlet(self, n):
        """Outlet n (1..connectors); outlet(1) is the board itself."""
        return self._outlets[n - 1]

    def enclosure_c(self):
        """The enclosure's temperature (the board's one NTC), or None."""
        return None if self._ntc is None else self._ntc.celsius()

    def feed_watchdog(self):
        """Feed the watchdog; the first call arms it (so a board that never runs the agent
        loop is not reset), unless the flash root holds the file WDT_OFF_FLAG."""
        if not self._wdt_decided:
            self._wdt_decided = True
            try:
                os.stat(WDT_OFF_FLAG)
                self.log("board: %s present: watchdog not armed" % WDT_OFF_FLAG)
            except OSError:
                self._wdt = machine.WDT(timeout=self._wdt_ms)
                self.log("board: watchdog armed, %d ms" % self._wdt_ms)
        if self._wdt is not None:
            self._wdt.feed()

    def reset(self, hard=False):
        for o in self._outlets:
            o.make_safe()
        self.log("board: %s reset" % ("hard" if hard else "soft"))
        if hard:
            machine.reset()
        machine.soft_reset()

    async def start(self):
        if self.net.enabled:
            asyncio.create_task(self.net.run())
        if self.cards is not None:
            asyncio.create_task(self.cards.run())
