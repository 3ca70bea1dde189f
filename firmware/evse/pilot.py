"""The control pilot (IEC 61851-1 Annex A): what the levels mean and what the duty offers.

    +12 V ─┐    ┌────┐    ┌──   high level: +12 V pulled down by the EV's resistor
           │    │    │    │       A 12 (no EV)  B 9 (connected)  C 6 (charge)  D 3 (vent)
    -12 V  └────┘    └────┘     E 0 (pilot shorted)  F -12 (EVSE drives -12 V: not available)
           |<- 1 ms ->|         low level: -12 V through the EV's diode (diode check)

The EVSE advertises the current it offers through the duty cycle; 100 % (steady +12 V, no
PWM, "X1") offers nothing, 0 % (steady -12 V) is state F.
"""
from time import ticks_diff

from micropython import const

# Thresholds between the nominal high levels (volts, midway, like OpenEVSE's ADC thresholds).
A_B_V = 10.5
B_C_V = 7.5
C_D_V = 4.5
D_E_V = 1.5
E_F_V = -10.0
# With PWM on, the low level must be about -12 V; above this the EV's diode is missing.
DIODE_LOW_MAX_V = -10.0

PWM_OFF = const(100)  # steady +12 V: no current offered (X1)
PWM_F = const(0)  # steady -12 V: state F, EVSE not available
_MIN_A = const(6)  # below this no charging is allowed: PWM off rather than offer less
MAX_A = const(80)  # the largest current the duty cycle can express


def classify(high):
    """The pilot state letter "A".."F" for the measured high level (volts)."""
    if high >= B_C_V:
        return "A" if high >= A_B_V else "B"
    if high >= D_E_V:
        return "C" if high >= C_D_V else "D"
    return "E" if high > E_F_V else "F"


def diode_ok(low):
    """True if the low level (measured with PWM on) shows the EV's diode (about -12 V)."""
    return low <= DIODE_LOW_MAX_V


def duty_for(amps):
    """Duty cycle in percent (one decimal) that offers ``amps``; PWM_OFF below 6 A.

    6..51 A: A / 0.6 (16 A = 26.7 %); 51..80 A: A / 2.5 + 64; more than 80 A is offered as 80 A.
    """
    if amps < _MIN_A:
        return PWM_OFF
    if amps > MAX_A:
        amps = MAX_A
    duty = amps / 0.6 if amps <= 51 else amps / 2.5 + 64
    return round(duty, 1)


def amps_for(duty):
    """The current (A) a duty cycle offers: the inverse of duty_for; 0 when nothing is offered."""
    if duty < 8 or duty > 97:  # 5 % is digital communication, not a current; X1, F
        return 0
    return round(duty * 0.6 if duty <= 85 else (duty - 64) * 2.5, 1)


class Debouncer:
    """Turns raw per-sample states into a debounced state, with per-transition hold times.

    A new state is accepted once every sample for ``hold`` ms has shown it: 250 ms for most
    changes (noise and contact bounce), 25 ms towards A (unplugging is unambiguous), and
    ``leave_c_ms`` (20 ms: three samples at 10 ms) out of C, so the contactor opens well
    within IEC 61851's 100 ms. Times are ticks_ms values (wrap-safe).
    """

    def __init__(self, state, now, hold_ms=250, to_a_ms=25, leave_c_ms=20):
        self.state = state
        self.hold_ms = hold_ms
        self.to_a_ms = to_a_ms
        self.leave_c_ms = leave_c_ms
        self._raw = state
        self._since = now

    def feed(self, raw, now):
        """Feed one sample; returns True when the debounced state changed."""
        if raw != self._raw:
            self._raw = raw
            self._since = now
        if raw == self.state:
            return False
        if self.state == "C":
            hold = self.leave_c_ms
        elif raw == "A":
            hold = self.to_a_ms
        else:
            hold = self.hold_ms
        if ticks_diff(now, self._since) < hold:
            return False
        self.state = raw
        return True
