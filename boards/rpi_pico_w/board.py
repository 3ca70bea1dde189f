"""Raspberry Pi Pico W (RP2040 + CYW43439) as a charger controller. Pin map: docs/hardware.md.

Port specifics: ADC on GP26-28 (read_u16, 0..3.3 V); the pilot's window sampled by the ADC's
own clock into a DMA channel (AdcCapture); S0 and RCD pin IRQs are hard IRQs (run at interrupt
time, allocation-free handlers); a virtual Timer for the LED; the on-board LED ("LED", wired to
the wireless chip) as status LED; SPI0 for the card reader; watchdog at most 8388 ms. PWM
slices: GP16 (pilot) is slice 0 A; GP17 must not carry another frequency.
"""
import machine
from micropython import const
from time import ticks_diff, ticks_us

from hwboard import HardwareBoard

# RP2040 datasheet 4.9.6: the ADC's registers
_ADC = const(0x4004C000)
_CS = const(0x00)  # EN bit 0, START_MANY bit 3, READY bit 8, AINSEL bits 12-14
_FCS = const(0x08)  # EN bit 0, DREQ_EN bit 3, LEVEL bits 16-19, THRESH bits 24-27
_FIFO = const(0x0C)
_DIV = const(0x10)  # sample period = 1 + INT (bits 8-23) cycles of the 48 MHz ADC clock
_DREQ_ADC = const(36)  # 2.5.3.1: the ADC FIFO's data request to the DMA
_ADC_MHZ = const(48)


class AdcCapture:
    """n samples of one ADC input step_us apart, paced by the ADC's own clock (free-running
    mode, DIV) and moved by a DMA channel from its FIFO: the interpreter does nothing per
    sample, where pacing them itself costs about 60 us each on this chip (PilotFrontEnd).
    Called as PilotFrontEnd's ``capture``; leaves the ADC as machine.ADC expects it (one-shot,
    FIFO off), so the other inputs' read_u16 work as before."""

    def __init__(self, pin):
        import rp2  # the port's DMA class (MicroPython >= 1.21)

        self._input = pin - 26
        self._dma = rp2.DMA()
        self._ctrl = self._dma.pack_ctrl(size=1, inc_read=False, inc_write=True,
                                         treq_sel=_DREQ_ADC)

    def __call__(self, buf, n, step_us):
        mem = machine.mem32
        cs = mem[_ADC + _CS]
        mem[_ADC + _DIV] = (_ADC_MHZ * step_us - 1) << 8
        mem[_ADC + _FCS] = (1 << 24) | (1 << 3) | 1  # THRESH 1, DREQ_EN, EN
        while (mem[_ADC + _FCS] >> 16) & 15:  # a stale FIFO would shift the window
            mem[_ADC + _FIFO]
        self._dma.config(read=_ADC + _FIFO, write=buf, count=n, ctrl=self._ctrl, trigger=True)
        mem[_ADC + _CS] = (cs & ~(7 << 12) & ~(31 << 16)) | (self._input << 12) | (1 << 3) | 1
        t0 = ticks_us()
        limit = 4 * n * step_us + 1000
        while self._dma.active():
            if ticks_diff(ticks_us(), t0) > limit:  # no DMA transfer: sample in Python
                self._dma.active(0)
                break
        done = not self._dma.active() and ticks_diff(ticks_us(), t0) <= limit
        mem[_ADC + _CS] = cs & ~(1 << 3)  # START_MANY off: the ADC stops after this sample
        while not mem[_ADC + _CS] & (1 << 8):
            pass
        while (mem[_ADC + _FCS] >> 16) & 15:  # emptied while DREQ_EN holds: no request left
            mem[_ADC + _FIFO]
        mem[_ADC + _FCS] = 0
        mem[_ADC + _DIV] = 0
        return 4 if done else None


class Board(HardwareBoard):
    name = "rpi_pico_w"
    PINS = {
        "pilot_pwm": 16,
        "pilot_adc": 26,  # ADC0
        "contactor": 15,
        "contactor_fb": 14,
        "s0": 13,
        "rcd": 12,
        "rcd_test": 11,
        "lock_a": 10,
        "lock_b": 9,
        "lock_fb": 8,
        "led": "LED",
        "temp_adc": 27,  # ADC1
        "phase_a": None,  # suggested GP20 when the phase relays are fitted
        "phase_b": None,  # suggested GP21
        "three_phase": None,  # phase-count relay (a free GP when fitted)
        "rfid_sck": 2,
        "rfid_mosi": 3,
        "rfid_miso": 4,
        "rfid_cs": 5,
        "rfid_rst": 6,
    }
    # "hardware": {"connectors": 2}: the second outlet on the GPIOs the first leaves free. Its
    # pilot is GP17, channel B of the first pilot's slice 0: the same 1 kHz, a duty of its own.
    PINS_2 = {
        "pilot_pwm": 17,
        "pilot_adc": 28,  # ADC2
        "contactor": 18,
        "contactor_fb": 19,
        "s0": 22,
        "rcd": 7,
        "rcd_test": 1,
    }
    ADC_PINS = (26, 27, 28)
    WDT_MIN_MS = 1
    WDT_MAX_MS = 8388
    IRQ_HARD = True

    def _adc_read(self, pin):
        return machine.ADC(machine.Pin(pin)).read_u16

    def _capture(self, pin):
        try:
            return AdcCapture(pin)
        except (ImportError, AttributeError):  # no rp2.DMA: the unit tests' simulated machine
            return None

    def _timer(self, unit=0):
        return machine.Timer(-1)

    def _spi(self, sck, mosi, miso):
        return machine.SPI(0, baudrate=1000000, polarity=0, phase=0, sck=sck, mosi=mosi,
                           miso=miso)
