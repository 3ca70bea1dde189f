"""The EVSE layer: the charger itself (IEC 61851 pilot, contactor safety, energy register).

It knows nothing of OCPP; it drives a board (see boards/*/board.py) and is driven by the OCPP
side through evse.controller.Evse:

    pilot       pilot levels -> states A..F, debouncing, duty <-> current
    safety      fault ids, their OCPP error codes, retry policy, lockouts (persisted)
    meter       S0 pulse counter -> energy register (persisted) and power
    controller  Evse: the control loop tying them together

Import ``from evse.controller import Evse``; this package file imports nothing, so a module
that needs only evse.pilot does not pay for the rest.
"""
