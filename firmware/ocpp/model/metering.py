"""Meter values: what the EVSE measures, as OCPP MeterValue objects (OCPP 1.6 sections 4.7, 7.31).

    meter_value(items, context) ->
        {"timestamp": "...Z", "sampledValue": [
            {"value": "1234", "context": "Sample.Periodic", "measurand": "Energy.Active.Import.Register",
             "unit": "Wh"},
            {"value": "15.9", ..., "measurand": "Current.Import", "phase": "L1", "unit": "A"}, ...]}

`items` are the entries of a measurand list key (MeterValuesSampledData ...): a measurand, or a
measurand with a phase ("Voltage.L1"). A per-phase measurand without a phase is reported for
every phase the charger is wired for (errata: report all phases of a configured measurand).
"""
from ocpp.core import cache

measurand_phase = cache.use("core.config.measurands").measurand_phase

ENERGY = "Energy.Active.Import.Register"
_UNITS = {ENERGY: "Wh", "Power.Active.Import": "W", "Power.Offered": "W", "Current.Import": "A",
          "Current.Offered": "A", "Voltage": "V"}
_PHASES = ("L1", "L2", "L3")
_VOLTAGE_PHASES = ("L1-N", "L2-N", "L3-N")


class Metering:
    """What EVSE ``evse`` measures (and how it is wired: evse.phases, evse.voltage), stamped
    with ``clock``."""

    def __init__(self, evse, clock):
        self.evse = evse
        self.clock = clock

    def meter_value(self, items, context, timestamp=None):
        """One MeterValue with a sampledValue per measurand (and phase) in `items`."""
        values = []
        for item in items:
            mp = measurand_phase(item)
            if mp:
                self._add(values, mp[0], mp[1], context)
        return {"timestamp": timestamp or self.clock.iso(), "sampledValue": values}

    def _add(self, out, measurand, phase, context):
        evse = self.evse
        phases = evse.phases
        if measurand == "Current.Import":
            amps = evse.currents_a()
            if not amps:  # no current sensor: what the meter's power implies
                per = evse.power_w() / (evse.voltage * phases)
                amps = (per,) * phases
            for i in range(phases):
                p = _PHASES[i]
                if phase is None or phase == p:
                    out.append(_sv(_fmt(amps[i] if i < len(amps) else 0), context, measurand, p))
            return
        if measurand == "Voltage":
            for i in range(phases):
                p = _VOLTAGE_PHASES[i]
                if phase is None or phase in (p, _PHASES[i]):
                    out.append(_sv(str(evse.voltage), context, measurand, p))
            return
        if measurand == ENERGY:
            v = str(evse.energy_wh())
        elif measurand == "Power.Active.Import":
            v = str(evse.power_w())
        elif measurand == "Power.Offered":
            v = _fmt(evse.offered_a() * evse.voltage * evse.phases_in_use)
        elif measurand == "Current.Offered":
            v = _fmt(evse.offered_a())
        else:
            return
        out.append(_sv(v, context, measurand, None))


def _sv(value, context, measurand, phase):
    # location is left out: Outlet is its default (the schema's), and each field costs heap.
    sv = {"value": value, "context": context, "measurand": measurand, "unit": _UNITS[measurand]}
    if phase:
        sv["phase"] = phase
    return sv


def _fmt(x):
    """A decimal with at most one fraction digit, as a string."""
    x = round(x, 1)
    return str(int(x)) if x == int(x) else "%.1f" % x
