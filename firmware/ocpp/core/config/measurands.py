"""The measurands this charger can report, and how a measurand list item ("Voltage.L1") splits.
Small: ocpp/model/metering.py reads it at every sample, and the list keys' checks
(config/special.py) when they change; the key table is not needed for it."""

# Each may carry the phase suffixes listed with it (Spec 9.1.15: "Voltage.L1"); the others are
# whole-charger values only.
SUPPORTED_MEASURANDS = ("Energy.Active.Import.Register", "Power.Active.Import", "Power.Offered",
                        "Current.Import", "Current.Offered", "Voltage")
_PHASES = ((), ("L1", "L2", "L3"), (), ("L1", "L2", "L3", "N"), (),
           ("L1-N", "L2-N", "L3-N", "L1-L2", "L2-L3", "L3-L1", "L1", "L2", "L3"))


def pick(word, choices):
    """The canonical spelling in ``choices`` of ``word`` (case-insensitive), or None."""
    low = word.lower()
    for c in choices:
        if c.lower() == low:
            return c
    return None


def measurand_phase(item):
    """Split a measurand CSL item: "Voltage.L1" -> ("Voltage", "L1"); "Power.Offered" ->
    ("Power.Offered", None). Canonical spelling; None if not supported."""
    low = item.lower()
    for i, m in enumerate(SUPPORTED_MEASURANDS):
        ml = m.lower()
        if low == ml:
            return m, None
        if _PHASES[i] and low.startswith(ml + "."):
            phase = pick(item[len(m) + 1:], _PHASES[i])
            if phase:
                return m, phase
    return None
