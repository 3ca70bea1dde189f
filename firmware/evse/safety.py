"""Fault bookkeeping: which faults are active, their OCPP error codes, retries and lockouts.

The controller detects faults and opens the contactor; this module only remembers them. A
fault id is a short string (also usable as OCPP's vendorErrorCode); ERROR_CODE maps it to the
OCPP 1.6 ChargePointErrorCode the charge point reports with StatusNotification Faulted.

Retry policy, per fault id: ``(retry_ms, max_retries)``.
  retry_ms     the controller re-checks (and may clear) the fault this long after it was
               raised; 0 = it clears as soon as its condition is gone (no waiting).
  max_retries  how many occurrences are retried; the next one locks out: the fault stays
               active, across reboots too, until clear_lockout(). 0 = never locks out.
Occurrence counters and lockouts are persisted (document ``evse_faults.json``) so a reboot
neither forgets a lockout nor restarts the count. Counters go back to 0 when the EV is
unplugged with the fault not active (a session that ended cleanly), like OpenEVSE's GFI retry
count; lockouts do not.
"""
from time import ticks_diff

DOC = "evse_faults.json"

RCD = "rcd"  # residual current monitor tripped
SELFTEST = "selftest"  # the RCD self-test before closing failed
WELD = "weld"  # commanded open, feedback still closed after WELD_MS: welded contacts
SWITCH = "switch"  # commanded closed, feedback still open after WELD_MS: contactor fails
OVERTEMP = "overtemp"  # above the stop temperature
OVERCURRENT = "overcurrent"  # measured current above the offer for too long
DIODE = "diode"  # no EV diode on the pilot (low level not -12 V with PWM on)
PILOT_E = "pilot_e"  # pilot at 0 V: shorted to PE
PILOT_F = "pilot_f"  # pilot at -12 V while the EVSE drives +12 V / PWM
INTERNAL = "internal"  # the control step raised: contactor held open

ERROR_CODE = {
    RCD: "GroundFailure",
    SELFTEST: "GroundFailure",
    WELD: "PowerSwitchFailure",
    SWITCH: "PowerSwitchFailure",
    OVERTEMP: "HighTemperature",
    OVERCURRENT: "OverCurrentFailure",
    DIODE: "EVCommunicationError",
    PILOT_E: "EVCommunicationError",
    PILOT_F: "EVCommunicationError",
    INTERNAL: "InternalError",
}

# Most serious first: the one error_code() reports when several are active.
PRIORITY = (WELD, SWITCH, RCD, SELFTEST, OVERCURRENT, OVERTEMP, PILOT_E, PILOT_F, DIODE, INTERNAL)

POLICY = {
    RCD: (300000, 6),  # OpenEVSE GFI_TIMEOUT 5 min, GFI_RETRY_COUNT 6
    SELFTEST: (300000, 6),
    SWITCH: (60000, 3),
    OVERCURRENT: (60000, 3),
    INTERNAL: (10000, 0),
    WELD: (0, 0),  # clears only when the feedback shows the contacts open again
    OVERTEMP: (0, 0),  # clears when cooled below the resume temperature
    DIODE: (0, 0),  # clears when the EV is unplugged
    PILOT_E: (0, 0),  # clears when the pilot leaves E
    PILOT_F: (0, 0),  # clears when the pilot leaves F
}


def error_code(fault_id):
    """The OCPP ChargePointErrorCode for a fault id ("OtherError" for an unknown one)."""
    return ERROR_CODE.get(fault_id, "OtherError")


class Faults:
    """Active faults (``active``: a list of ids, oldest first), counters and lockouts."""

    def __init__(self, store, now, log=print, doc=DOC):
        self.store = store
        self.log = log
        self.doc = doc
        self.active = []
        self.policy = dict(POLICY)  # per instance, so a deployment or a test can tune it
        self._since = {}
        doc = store.read_json(doc, None) or {}
        self.counts = doc.get("counts") or {}
        self.lockout = doc.get("lockout") or []
        for fid in self.lockout:
            self.active.append(fid)
            self._since[fid] = now
        if self.lockout:
            log("evse: locked out by %s (clear_lockout() to release)" % ",".join(self.lockout))

    def raise_(self, fid, now):
        """Mark ``fid`` active; returns True if it was not active before. Persists counters."""
        if fid in self.active:
            return False
        self.active.append(fid)
        self._since[fid] = now
        max_retries = self.policy.get(fid, (0, 0))[1]
        if max_retries:
            n = self.counts.get(fid, 0) + 1
            self.counts[fid] = n
            if n > max_retries:
                self.lockout.append(fid)
                self.log("evse: %s occurred %d times: locked out" % (fid, n))
            self._save()
        return True

    def clear(self, fid):
        """Clear ``fid`` unless it is locked out; returns True if it was cleared."""
        if fid not in self.active or fid in self.lockout:
            return False
        self.active.remove(fid)
        self._since.pop(fid, None)
        return True

    def retry_due(self, fid, now):
        """True when ``fid`` is active, not locked out, and its retry time has passed."""
        if fid not in self.active or fid in self.lockout:
            return False
        retry_ms = self.policy.get(fid, (0, 0))[0]
        return ticks_diff(now, self._since[fid]) >= retry_ms

    def restart_retry(self, fid, now):
        """The condition is still there at a retry: wait another retry period."""
        if fid in self._since:
            self._since[fid] = now

    def session_ended(self):
        """The EV was unplugged: forget the occurrences of faults that are not active."""
        changed = False
        for fid in list(self.counts):
            if fid not in self.active:
                del self.counts[fid]
                changed = True
        if changed:
            self._save()

    def clear_lockout(self):
        """Release every lockout and reset the counters (maintenance); returns the ids released."""
        released = self.lockout
        self.lockout = []
        self.counts = {}
        for fid in released:
            if fid in self.active:
                self.active.remove(fid)
                self._since.pop(fid, None)
        self._save()
        return released

    def _save(self):
        try:
            self.store.write_json(self.doc, {"counts": self.counts, "lockout": self.lockout})
        except Exception as e:  # a full or failing flash must not stop the safety logic
            self.log("evse: cannot save fault counters: %r" % e)
