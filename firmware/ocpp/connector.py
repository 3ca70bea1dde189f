"""Connector 1: its OCPP status, its transaction, and the EVSE beneath it.

The status is never set by hand: it is worked out from the facts every step (OCPP 1.6 section
4.9 with the errata), so it always follows the table of allowed transitions:

    EVSE fault                           -> Faulted (errorCode from the EVSE)
    cable lock failed at the start       -> Faulted (ConnectorLockFailure) until the cable is out
    transaction: energy withheld (CS invalidated the idTag, stopping, nothing offered)
                                          -> SuspendedEVSE
                 EV in C                  -> Charging
                 EV in B (or unplugged with StopTransactionOnEVSideDisconnect=false) -> SuspendedEV
    no transaction: Unavailable (ChangeAvailability) -> Unavailable
                 stopped, cable still in, or ConnectionTimeOut with no idTag (errata B6) -> Finishing
                 cable in, or an idTag waiting for the cable -> Preparing
                 otherwise                -> Available

A transaction starts when the cable is in and an idTag is authorised (card, RemoteStart, or
FreeCharging), in either order, within ConnectionTimeOut. What happens in a session (starting,
stopping, cards, meter values, power-loss recovery) is in ocpp/session.py, which this module
imports only while a session is in the making or running and drops when the connector is idle
again: an idle charger keeps only the facts and the status logic in its heap.
"""
import asyncio
import sys
import time

from ocpp import lazy

DOC_TX = "tx.json"  # the running transaction (ocpp/session.py)
DOC_AVAIL = "availability.json"
PLUGGED = "BCD"
# Code a session needs, dropped when the connector is idle (see Connector._idle).
_SESSION_MODULES = ("session", "metering", "auth", "txsend")

_LED = {"Available": "available", "Preparing": "preparing", "Charging": "charging",
        "SuspendedEV": "suspended", "SuspendedEVSE": "suspended", "Finishing": "finishing",
        "Unavailable": "unavailable", "Faulted": "fault", "Reserved": "preparing"}


class Connector:
    def __init__(self, cp, evse, n=1):
        self.cp = cp
        self.n = n
        self.evse = evse
        self.config = cp.config
        self.store = cp.store
        self.log = cp.log
        avail = self.store.read_json(DOC_AVAIL, {})
        if not isinstance(avail, dict):
            avail = {}
        self.operative = [avail.get("0", True), avail.get(str(n), True)]  # charge point, connector
        self.scheduled = None  # (connectorId, operative) to apply when the transaction ends
        self.tx = None
        self.pending = None  # (idTag, parentIdTag, deadline ms): authorised, waiting for the cable
        self.plugged_ms = None  # cable in without an idTag since (ConnectionTimeOut)
        self.finishing = False
        self.lock_failed = False  # the cable lock did not engage: no transaction (TC_024)
        self.pilot = "A"
        self.status = None
        self.busy = False  # a card is being authorised
        self.wake = asyncio.Event()
        # kept here for ocpp/session.py: when the next sample is due, the power at the last one
        # (eager samples, seed 003), when the record was last saved
        self.next_sample = 0
        self.last_power = 0
        self.saved_ms = 0
        self._next_aligned = None
        evse.set_available(self.operative[0] and self.operative[1])
        evse.add_listener(self._on_evse)
        self.select_phase()
        self.config.watch("OnePhaseChargingPhase", lambda v: self.select_phase())

    # -- start-up ------------------------------------------------------------------------------
    def recover(self):
        """After a power cut during a transaction: report it stopped (PowerLoss)."""
        if self.store.exists(DOC_TX):
            self._session().recover(self)

    # -- the loop ------------------------------------------------------------------------------
    def _on_evse(self, event, value):
        self.wake.set()  # called inside the EVSE control step: only note it

    async def run(self):
        self.pilot = self.evse.state
        while True:
            try:
                self.step()
            except Exception as e:  # a bug here must not stop the charger's bookkeeping
                self.log("connector: step failed: %r" % (e,))
            # The watchdog is fed here: if the charger's bookkeeping stalls, the board resets.
            self.cp.board.feed_watchdog()
            self.wake.clear()
            try:
                await asyncio.wait_for_ms(self.wake.wait(), 500)
            except asyncio.TimeoutError:
                pass

    def step(self):
        now = time.ticks_ms()
        state = self.evse.state
        if state != self.pilot:
            old, self.pilot = self.pilot, state
            self._pilot_changed(old, state, now)
        if self.pending and time.ticks_diff(now, self.pending[2]) >= 0 and self.tx is None:
            self.log("connector: no cable within ConnectionTimeOut; %s released" % self.pending[0])
            self.pending = None
        if self.plugged_ms is not None and self.tx is None and self.pending is None and \
                time.ticks_diff(now, self.plugged_ms) >= self.config.get("ConnectionTimeOut") * 1000:
            self.log("connector: no idTag within ConnectionTimeOut")
            self.plugged_ms = None
            self.finishing = True  # errata 3.20 (B6): not Available while the cable is in
        if self.tx is not None:
            self._session().meter_tick(self, now)
        self._aligned_tick()
        self._idle()
        status, error = self.derive()
        if status != self.status:
            self.status = status
            self.cp.board.led(_LED[status])
        self.cp.set_status(self.n, status, error)

    def derive(self):
        """(status, errorCode) from the facts; see the module docstring."""
        evse = self.evse
        if evse.faults:
            return "Faulted", evse.error_code()
        if self.lock_failed:
            return "Faulted", "ConnectorLockFailure"
        tx = self.tx
        if tx is not None:
            if tx.get("suspended") or tx.get("stopping") or evse.offered_a() == 0:
                return "SuspendedEVSE", "NoError"  # the EVSE withholds energy
            if evse.state == "C":
                return "Charging", "NoError"  # (the contactor closes within a step)
            return "SuspendedEV", "NoError"
        if not (self.operative[0] and self.operative[1]):
            return "Unavailable", "NoError"
        if self.finishing:
            return "Finishing", "NoError"
        if self.pending or evse.state in PLUGGED:
            return "Preparing", "NoError"
        return "Available", "NoError"

    def _pilot_changed(self, old, new, now):
        plugged, was = new in PLUGGED, old in PLUGGED
        if plugged and not was and old != "E":
            self.log("connector: cable in")
            if self.tx is not None:
                return  # EV back on a transaction kept across an EV-side disconnect
            if self.pending:
                self.start(self.pending[0], self.pending[1])
            elif self.config.get("FreeCharging") and self.can_start():
                self.start(self.config.get("FreeChargingIdTag"), None)
            else:
                self.plugged_ms = now
        elif new == "A" and was:
            self.log("connector: cable out")
            self.select_phase()
            self.finishing = False
            self.lock_failed = False
            self.plugged_ms = None
            if self.tx is not None and self.config.get("StopTransactionOnEVSideDisconnect"):
                asyncio.create_task(self.stop("EVDisconnected"))

    def select_phase(self):
        """OnePhaseChargingPhase (seed 002): the grid phase a single-phase EV gets, through the
        board's phase relay where one is fitted. It changes only while no vehicle is connected."""
        select = getattr(self.cp.board, "select_phase", None)
        if select is None or self.plugged():
            return
        phase = self.config.get("OnePhaseChargingPhase")
        if select(phase):
            self.log("connector: single-phase EVs get phase L%d" % phase)

    # -- starting ------------------------------------------------------------------------------
    def can_start(self):
        """May a new transaction start now (state, availability, registration)?"""
        return self.tx is None and not self.evse.faults and not self.lock_failed and \
            self.operative[0] and self.operative[1] and \
            self.cp.registration in (None, "Accepted")

    def plugged(self):
        return self.evse.state in PLUGGED

    # -- a session: ocpp/session.py does the work ---------------------------------------------
    def _session(self):
        return lazy.use("session")

    def _idle(self):
        """No session in the making or running: give the session code back to the heap."""
        if self.tx is None and self.pending is None and not self.busy:
            for name in _SESSION_MODULES:
                if "ocpp." + name in sys.modules:
                    lazy.drop(name)

    def authorised(self, id_tag, parent):
        """An idTag may charge: start now if the cable is in, else wait ConnectionTimeOut."""
        self._session().authorised(self, id_tag, parent)

    def start(self, id_tag, parent):
        self._session().start(self, id_tag, parent)

    def start_answered(self, ref, conf):
        """StartTransaction.conf arrived (maybe long after, from the queue)."""
        if self.tx is not None and self.tx["ref"] == ref:
            self._session().start_answered(self, ref, conf)

    async def stop(self, reason, id_tag=None, graceful=True):
        """Stop the running transaction; False if there is none (or it is stopping already)."""
        if self.tx is None or self.tx.get("stopping"):
            return False
        return await self._session().stop(self, reason, id_tag, graceful)

    async def present(self, id_tag):
        """A card at the reader: stop our transaction, or authorise a new one."""
        if self.busy:
            return
        self.busy = True
        try:
            await self._session().present(self, id_tag)
        finally:
            self.busy = False
            self.wake.set()

    def meter_value(self, items, context, timestamp=None):
        """One MeterValue of `items` (measurands) now (ocpp/metering.py)."""
        m = lazy.use("metering").Metering(self.evse, self.cp.board, self.cp.clock)
        return m.meter_value(items, context, timestamp)

    # -- availability --------------------------------------------------------------------------
    def set_operative(self, connector_id, operative):
        if connector_id == 0:
            self.operative = [operative, operative]
        else:
            self.operative[1] = operative
        self.cp.set_status(0, "Available" if self.operative[0] else "Unavailable")
        try:
            self.store.write_json(DOC_AVAIL, {"0": self.operative[0], str(self.n): self.operative[1]})
        except OSError as e:
            self.log("connector: cannot save availability: %r" % (e,))
        self.evse.set_available(self.operative[0] and self.operative[1])
        self.wake.set()

    # -- clock-aligned meter values -----------------------------------------------------------
    def _aligned_tick(self):
        interval = self.config.get("ClockAlignedDataInterval")
        if interval <= 0:
            self._next_aligned = None
            return
        t = self.cp.clock.now()
        if self._next_aligned is None or self._next_aligned - t > interval:
            self._next_aligned = (t // interval + 1) * interval  # boundaries from midnight
            return
        if t < self._next_aligned:
            return
        ts = self.cp.clock.iso(self._next_aligned)
        self._next_aligned = (t // interval + 1) * interval
        self._session().aligned(self, ts)

    def transaction_id(self):
        """The running transaction's id as the central system knows it (None if unknown)."""
        return None if self.tx is None else self.cp.txq.transaction_id(self.tx["ref"])
