"""A simulated ``machine`` module for testing the board drivers on the MicroPython unix port.

Tests put this directory first on sys.path, so ``import machine`` finds it instead of the unix
port's built-in module (which has no Pin/PWM/ADC/SPI/Timer/WDT). Only the API the boards use
is modelled, with the signatures of the esp32 and rp2 ports.

The test side ("the world") reaches the simulated hardware through module functions:
  reset_world()            forget every pin, peripheral, timer and reset request
  pin(id)                  the Pin object for a pin id (created on first use, shared)
  drive(id, level)         an external circuit drives an input pin; edges fire its IRQ
  adc_source(id, fn)       fn() -> 0..65535 is what an ADC on that pin reads at that instant
  pwm_on(id)               the PWM object on a pin (or None)
  spi_device(id, dev)      attach a device model to SPI bus ``id`` (dev.xfer(byte) -> byte,
                           dev.select(active) on chip-select changes via its own CS pin)
  run_timers(ms)           advance the virtual time of machine.Timer by ``ms`` and fire callbacks
  wdt                      the last WDT created (timeout_ms, feeds) or None
  resets                   list of "hard"/"soft" resets requested

Hard IRQs run in the thread that drives the edge (a hardware interrupt preempts the main
program); soft IRQs are queued with micropython.schedule like the esp32 port does.
"""
import _thread

import micropython

_pins = {}
_pwms = {}
_adc_sources = {}
_spi_devices = {}
_timers = []
_counters = []
wdt = None
resets = []
rtc_set = []  # every datetime tuple given to RTC().datetime()
# disable_irq() holds this lock; a hard IRQ delivered from another thread waits for it, as a real
# interrupt stays pending until enable_irq().
_irq_lock = _thread.allocate_lock()


class FakeReset(Exception):
    """Raised by reset()/soft_reset(): a real board would never return."""


def reset_world():
    global wdt
    _pins.clear()
    _pwms.clear()
    _adc_sources.clear()
    _spi_devices.clear()
    _timers.clear()
    _counters.clear()
    resets.clear()
    rtc_set.clear()
    wdt = None


def pin(pid):
    p = _pins.get(pid)
    if p is None:
        p = Pin(pid)
    return p


def drive(pid, level):
    pin(pid)._external(1 if level else 0)


def adc_source(pid, fn):
    _adc_sources[pid] = fn


def pwm_on(pid):
    return _pwms.get(pid)


def spi_device(bus, dev):
    _spi_devices[bus] = dev


def _pid(p):
    return p.id if isinstance(p, Pin) else p


# -- Pin ---------------------------------------------------------------------------------------
class Pin:
    IN = 0
    OUT = 1
    OPEN_DRAIN = 2
    PULL_UP = 1
    PULL_DOWN = 2
    IRQ_FALLING = 4
    IRQ_RISING = 8

    def __new__(cls, pid, *args, **kw):
        p = _pins.get(pid)
        if p is None:
            p = object.__new__(cls)
            p.id = pid
            p.mode = Pin.IN
            p.pull = None
            p._out = 0
            p._ext = None  # level an external circuit drives (None: floating)
            p._irq = None  # (handler, trigger, hard)
            p.listeners = []  # world-side: fn(level) on output changes (chip selects...)
            p.history = []  # output levels written, in order
            _pins[pid] = p
        return p

    def __init__(self, pid, mode=-1, pull=-1, value=None):
        if mode != -1:
            self.mode = mode
        if pull != -1:
            self.pull = pull
        if value is not None:
            self.value(value)

    def init(self, mode=-1, pull=-1, value=None):
        self.__init__(self.id, mode, pull, value)

    def level(self):
        if self.mode == Pin.OUT:
            return self._out
        if self._ext is not None:
            return self._ext
        return 1 if self.pull == Pin.PULL_UP else 0

    def value(self, v=None):
        if v is None:
            return self.level()
        before = self.level()
        self._out = 1 if v else 0
        self.history.append(self._out)
        for fn in self.listeners:
            fn(self._out)
        if self.mode == Pin.OUT:
            self._edge(before, self._out)
        return None

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def __call__(self, v=None):
        return self.value(v)

    def irq(self, handler=None, trigger=IRQ_FALLING | IRQ_RISING, hard=False, **kw):
        self._irq = (handler, trigger, hard) if handler else None
        return None

    def _external(self, level):
        before = self.level()
        self._ext = level
        self._edge(before, self.level())

    def _edge(self, before, after):
        if before == after:
            return
        for c in _counters:
            if c.src is self:
                c._edge(after)
        if not self._irq:
            return
        handler, trigger, hard = self._irq
        if (after and trigger & Pin.IRQ_RISING) or (not after and trigger & Pin.IRQ_FALLING):
            if hard:
                _irq_lock.acquire()
                try:
                    handler(self)
                finally:
                    _irq_lock.release()
            else:
                micropython.schedule(handler, self)


def disable_irq():
    _irq_lock.acquire()
    return 1


def enable_irq(state):
    if state:
        _irq_lock.release()


# -- PWM and ADC -------------------------------------------------------------------------------
class PWM:
    def __init__(self, dest, freq=0, duty_u16=-1, invert=False, **kw):
        self.pin = Pin(_pid(dest))
        self.pin.mode = Pin.OUT
        self._freq = freq
        self._duty = 0 if duty_u16 < 0 else duty_u16
        self.invert = invert
        self.duty_history = []
        _pwms[self.pin.id] = self

    def freq(self, f=None):
        if f is None:
            return self._freq
        self._freq = f

    def duty_u16(self, d=None):
        if d is None:
            return self._duty
        if not 0 <= d <= 65535:
            raise ValueError("duty_u16 out of range")
        self._duty = d
        self.duty_history.append(d)

    def init(self, freq=-1, duty_u16=-1, **kw):
        if freq != -1:
            self._freq = freq
        if duty_u16 != -1:
            self.duty_u16(duty_u16)

    def deinit(self):
        _pwms.pop(self.pin.id, None)


class ADC:
    ATTN_0DB = 0
    ATTN_2_5DB = 1
    ATTN_6DB = 2
    ATTN_11DB = 3

    def __init__(self, dest, atten=None, **kw):
        self.pin = _pid(dest)
        self.atten = atten
        self.reads = 0

    def read_u16(self):
        self.reads += 1
        fn = _adc_sources.get(self.pin)
        v = int(fn()) if fn else 0
        return 0 if v < 0 else 65535 if v > 65535 else v

    def read_uv(self):  # esp32 only; the simulated ADC spans 0..3.3 V
        return self.read_u16() * 3300000 // 65535


# -- SPI ---------------------------------------------------------------------------------------
class SPI:
    MSB = 0
    LSB = 1

    def __init__(self, bus, baudrate=1000000, polarity=0, phase=0, sck=None, mosi=None,
                 miso=None, **kw):
        self.bus = bus
        self.baudrate = baudrate

    def _dev(self):
        d = _spi_devices.get(self.bus)
        if d is None:
            raise OSError(5)  # nothing on the bus: EIO like a dead wire would not, but loudly
        return d

    def write(self, buf):
        d = self._dev()
        for b in buf:
            d.xfer(b)

    def read(self, n, write=0):
        d = self._dev()
        return bytes(d.xfer(write) for _ in range(n))

    def readinto(self, buf, write=0):
        d = self._dev()
        for i in range(len(buf)):
            buf[i] = d.xfer(write)

    def write_readinto(self, tx, rx):
        d = self._dev()
        for i in range(len(tx)):
            rx[i] = d.xfer(tx[i])

    def deinit(self):
        pass


# -- Counter (esp32 PCNT) ------------------------------------------------------------------------
class Counter:
    RISING = 1
    FALLING = 2
    UP = 1
    DOWN = 2

    def __init__(self, cid, src=None, edge=RISING, filter_ns=0, **kw):
        self.id = cid
        self.src = Pin(_pid(src))
        self.edge = edge
        self.filter_ns = filter_ns
        self._value = 0
        _counters.append(self)

    def _edge(self, level):
        if (level and self.edge == Counter.RISING) or (not level and self.edge == Counter.FALLING):
            self._value += 1

    def value(self, v=None):
        old = self._value
        if v is not None:
            self._value = v
        return old

    def deinit(self):
        if self in _counters:
            _counters.remove(self)


# -- Timer (virtual time) -------------------------------------------------------------------------
class Timer:
    ONE_SHOT = 0
    PERIODIC = 1

    def __init__(self, tid=-1, mode=PERIODIC, period=-1, freq=-1, callback=None, **kw):
        self.id = tid
        self._cb = None
        if callback is not None:
            self.init(mode=mode, period=period, freq=freq, callback=callback)

    def init(self, mode=PERIODIC, period=-1, freq=-1, callback=None, **kw):
        if freq > 0:
            period = 1000 // freq
        if period <= 0:
            raise ValueError("period")
        self.mode = mode
        self.period = period
        self._cb = callback
        self._due = period
        if self not in _timers:
            _timers.append(self)

    def deinit(self):
        self._cb = None
        if self in _timers:
            _timers.remove(self)


def run_timers(ms):
    """Advance timer time by ``ms`` ms, firing each callback as often as it would have fired."""
    for _ in range(ms):
        for t in list(_timers):
            t._due -= 1
            if t._due <= 0 and t._cb:
                cb = t._cb
                if t.mode == Timer.PERIODIC:
                    t._due = t.period
                else:
                    t.deinit()
                cb(t)


# -- WDT, reset ---------------------------------------------------------------------------------
class WDT:
    def __init__(self, id=0, timeout=5000):
        global wdt
        self.timeout_ms = timeout
        self.feeds = 0
        wdt = self

    def feed(self):
        self.feeds += 1


def reset():
    resets.append("hard")
    raise FakeReset("hard")


def soft_reset():
    resets.append("soft")
    raise FakeReset("soft")


class RTC:
    def datetime(self, dt=None):
        if dt is None:
            return rtc_set[-1] if rtc_set else (2000, 1, 1, 6, 0, 0, 0, 0)
        rtc_set.append(tuple(dt))


def unique_id():
    return b"\x0a\x0b\x0c\x0d\x0e\x0f"


def freq(f=None):
    return 240000000
