"""Raspberry Pi Pico W (RP2040 + CYW43439) as a charger controller. Pin map: docs/hardware.md.

Port specifics: ADC on GP26-28 (read_u16, 0..3.3 V); S0 and RCD pin IRQs are hard IRQs (run
at interrupt time, allocation-free handlers); a virtual Timer for the LED; the on-board LED
("LED", wired to the wireless chip) as status LED; SPI0 for the card reader; watchdog at most
8388 ms. PWM slices: GP16 (pilot) is slice 0 A; GP17 must not carry another frequency.
"""
import machine

from hwboard import HardwareBoard


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

    def _timer(self, unit=0):
        return machine.Timer(-1)

    def _spi(self, sck, mosi, miso):
        return machine.SPI(0, baudrate=1000000, polarity=0, phase=0, sck=sck, mosi=mosi,
                           miso=miso)
