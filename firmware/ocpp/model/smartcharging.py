"""Smart Charging: the limit the central system's charging profiles set reaches the pilot, on
time, and survives a reboot. This is the resident part: the limit in force per connector and a
timer to the next moment it may change. The profiles themselves live on flash and the work is
done by ocpp/model/profiles.py (the store, SetChargingProfile's checks, applying the limits)
and ocpp/model/schedule.py (the arithmetic), loaded through the module cache when something
changes: a profile, a transaction starting or ending, a period boundary, the clock.

Rules (OCPP 1.6 sections 3.13, 5.5, 5.7, 5.16 with errata 3.8, 3.25-3.30, 3.34, 3.37-3.45,
3.56, 3.57, 3.65-3.70):
  * ChargePointMaxProfile (connector 0) caps the charge point: shared equally between the
    connectors that have a transaction.
  * A transaction gets its TxProfile, else the TxDefaultProfile of its connector or of
    connector 0 (the connector's wins a tie); within a purpose the highest stack level in force
    at the moment prevails, and a profile out of its validity or duration hands over to the
    next one down.
  * The limit in force is the lowest of the two, never above the outlet's maximum; below 6 A
    the EVSE offers nothing (SuspendedEVSE) until it rises again. A W limit becomes A with the
    outlet's voltage and the phases in use.
  * A TxProfile ends with its transaction; every other profile stays, across reboots.
  * UK Smart Charge Points Regulations 2021: with RandomisedDelayEnabled, a transaction's first
    energy and every later change of its limit wait a random 0..RandomisedDelayMaxSeconds.
"""
import asyncio

from ocpp.core import cache

_MAX_SLEEP_S = 3600  # the timer looks again at least hourly (a clock set meanwhile)


class SmartCharging:
    """One per charge point (``cp``). ``count``: profiles installed (none: nothing to work out,
    no module loaded); the rest is ocpp/model/profiles.py's working state per connector."""

    def __init__(self, cp):
        self.cp = cp
        n = cp.n + 1
        self.applied = [None] * n  # what the running transaction was last given
        self.delay_due = [None] * n  # RandomisedDelay: when the waiting change applies
        self.remote = [None] * n  # (idTag, RemoteStartTransaction profile, ticks deadline)
        self.count = cp.store.read_json("scp.json", {}).get("n", 0)
        self._wake = asyncio.Event()

    def changed(self):
        """Something the limits depend on changed: work them out again now."""
        self._wake.set()

    def _idle(self):
        # nothing to work out: no profile, no randomised delay, no remote start's profile
        return not self.count and not self.cp.config.get("RandomisedDelayEnabled") and \
            not any(self.remote)

    def start(self, c):
        """A transaction starts on connector c: give its EVSE the limit in force (or hold the
        energy for the randomised delay) at once, before any energy flows."""
        self.applied[c.n] = None
        if self._idle():
            c.evse.offer(c.evse.max_current_a)
        else:
            try:
                cache.use("model.profiles").start_limit(self, c)
            finally:
                cache.done("model.profiles")
        self._wake.set()

    async def run(self):
        while True:
            wait = None
            try:
                if self._idle():
                    for c in self.cp.connectors:
                        if c.tx is not None and not c.tx.get("stopping") and \
                                not c.tx.get("suspended"):
                            c.evse.offer(c.evse.max_current_a, paced=True)
                else:
                    wait = await cache.use("model.profiles").apply(self)
                    cache.done("model.profiles")
            except Exception as e:  # a bug here must not stop the charger
                self.cp.log("smart charging: %r" % e)
                wait = 60
            self._wake.clear()
            s = _MAX_SLEEP_S if wait is None else max(0, min(wait, _MAX_SLEEP_S))
            try:
                await asyncio.wait_for_ms(self._wake.wait(), s * 1000)
            except asyncio.TimeoutError:
                pass
