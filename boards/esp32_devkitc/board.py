"""ESP32-DevKitC (ESP32-WROOM-32) as a charger controller. Pin map: docs/hardware.md.

Port specifics: ADC inputs only on ADC1 (GPIO32-39; ADC2 does not work while WiFi is on),
11 dB attenuation for the 0.15..2.45 V range the pilot divider uses; S0 pulses counted by the
PCNT hardware counter (machine.Counter, MicroPython >= 1.26) or else a pin IRQ (always soft
on the esp32); hardware Timer 0 for the LED; SPI bus 2 (VSPI) for the card reader; watchdog
at least 1 s.
"""
import machine

from hwboard import HardwareBoard
from s0meter import S0Counter


class Board(HardwareBoard):
    name = "esp32_devkitc"
    PINS = {
        "pilot_pwm": 25,
        "pilot_adc": 36,  # SENSOR_VP, ADC1_CH0, input only
        "contactor": 26,
        "contactor_fb": 27,
        "s0": 4,
        "rcd": 35,  # input only: the RCM module drives it
        "rcd_test": 32,
        "lock_a": 16,
        "lock_b": 17,
        "lock_fb": 33,
        "led": 2,
        "temp_adc": 39,  # SENSOR_VN, ADC1_CH3, input only
        "phase_a": None,  # suggested 21 when the phase relays are fitted
        "phase_b": None,  # suggested 22
        "three_phase": None,  # phase-count relay: suggested 12 (strapping: low at boot)
        "rfid_sck": 18,
        "rfid_mosi": 23,
        "rfid_miso": 19,
        "rfid_cs": 5,
        "rfid_rst": 13,
    }
    # "hardware": {"connectors": 2}: the second outlet on the GPIOs the first leaves free.
    # Without a cable lock, phase relays or RCM input (there are no free GPIOs left for
    # them that are safe at boot: fit an RCM by moving pins, e.g. the card reader's).
    PINS_2 = {
        "pilot_pwm": 14,  # an ADC2 pin, fine as a PWM output
        "pilot_adc": 34,  # ADC1_CH6, input only
        "contactor": 21,
        "contactor_fb": 22,
        "s0": 15,  # strapping pin: high at boot through the pull-up, as it must be
    }
    ADC_PINS = (32, 33, 34, 35, 36, 37, 38, 39)
    WDT_MIN_MS = 1000
    WDT_MAX_MS = 60000
    IRQ_HARD = False

    def _adc_read(self, pin):
        adc = machine.ADC(machine.Pin(pin), atten=machine.ADC.ATTN_11DB)
        return adc.read_u16

    def _s0(self, pin, debounce_ms, unit=0):
        if hasattr(machine, "Counter"):
            from pcnt_meter import PcntS0Counter

            return PcntS0Counter(pin, unit)
        return S0Counter(pin, debounce_ms, hard=False)

    def _timer(self, unit=0):
        return machine.Timer(unit)

    def _spi(self, sck, mosi, miso):
        return machine.SPI(2, baudrate=1000000, polarity=0, phase=0, sck=sck, mosi=mosi,
                           miso=miso)
