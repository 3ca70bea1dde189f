"""A connector: its OCPP status, its transaction, and the EVSE beneath it.

The status is never set by hand: it is worked out from the facts every step (OCPP 1.6 section
4.9 with the errata), so it always follows the table of allowed transitions:

    EVSE fault                           -> Faulted (errorCode from the EVSE)
    cable lock failed at the start       -> Faulted (ConnectorLockFailure) until the cable is out
    transaction: energy withheld (CS invalidated the idTag, stopping, nothing offered)
                                          -> SuspendedEVSE
                 EV in C                  -> Charging
                 EV in B (or unplugged with StopTransactionOnEVSideDisconnect=false) -> SuspendedEV
    no transaction: Unavailable (ChangeAvailability of it or of connector 0) -> Unavailable
                 stopped, cable still in, or ConnectionTimeOut with no idTag (errata B6) -> Finishing
                 held by a reservation (ocpp/model/reservation.py), no idTag waiting -> Reserved
                 cable in, or an idTag waiting for the cable -> Preparing
                 otherwise                -> Available

A transaction starts when the cable is in and an idTag is authorised (card, RemoteStart, or
FreeCharging), in either order, within ConnectionTimeOut. What happens in a session (starting,
stopping, cards, meter values, power-loss recovery) is in ocpp/model/transaction.py, loaded
while a session is in the making or running (ocpp/core/cache.py): an idle charger needs only
the facts and the status logic.
"""
import asyncio
import sys
import time

from ocpp.core import cache

PLUGGED = "BCD"

_LED = {"Available": "available", "Preparing": "preparing", "Charging": "charging",
        "SuspendedEV": "suspended", "SuspendedEVSE": "suspended", "Finishing": "finishing",
        "Unavailable": "unavailable", "Faulted": "fault", "Reserved": "reserved"}


class Connector:
    def __init__(self, cp, evse, n=1):
        self.cp = cp
        self.n = n
        self.evse = evse
        self.config = cp.config
        self.store = cp.store
        self.log = cp.log
        # the running transaction on flash (ocpp/model/transaction.py); connector 1 keeps the
        # name it always had
        self.doc_tx = "tx.json" if n == 1 else "tx_%d.json" % n
        self.tx = None
        self.pending = None  # (idTag, parentIdTag, deadline ms): authorised, waiting for the cable
        self.plugged_ms = None  # cable in without an idTag since (ConnectionTimeOut)
        self.finishing = False
        self.lock_failed = False  # the cable lock did not engage: no transaction (TC_024)
        self.pilot = "A"
        self.status = None
        self.cards = []  # idTags presented, handled one after the other (present())
        self.wake = asyncio.Event()
        # kept here for ocpp/model/transaction.py: when the next sample is due, the power at the
        # last one (eager samples, seed 003), when the record was last saved
        self.next_sample = 0
        self.last_power = 0
        self.saved_ms = 0
        self.next_aligned = None  # when the next clock-aligned reading is due
        evse.add_listener(self._on_evse)
        self.availability_changed()
        self.select_phase()
        self.config.watch("OnePhaseChargingPhase", lambda v: self.select_phase())

    # -- start-up ------------------------------------------------------------------------------
    def recover(self):
        """After a power cut during a transaction: report it stopped (PowerLoss)."""
        if self.store.exists(self.doc_tx):
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
                self.log("connector %d: step failed: %r" % (self.n, e))
            # The watchdog is fed here: if the charger's bookkeeping stalls, the board resets.
            self.cp.feed_watchdog()
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
            self.log("connector %d: no cable within ConnectionTimeOut; %s released"
                     % (self.n, self.pending[0]))
            self.pending = None
        if self.plugged_ms is not None and self.tx is None and self.pending is None and \
                time.ticks_diff(now, self.plugged_ms) >= self.config.get("ConnectionTimeOut") * 1000:
            self.log("connector %d: no idTag within ConnectionTimeOut" % self.n)
            self.plugged_ms = None
            self.finishing = True  # errata 3.20 (B6): not Available while the cable is in
        if self.tx is not None:
            self._session().meter_tick(self, now)
        if self.cp.reservations:  # expired, or this connector faulted / made unavailable
            cache.use("model.reservation").check(self.cp)
        if self.config.get("ClockAlignedDataInterval") > 0:
            self._session().aligned_tick(self)
        else:
            self.next_aligned = None
        self._idle()
        status, error = self.derive()
        if status != self.status:
            self.status = status
            self.evse.led(_LED[status])
        self.cp.set_status(self.n, status, error)

    def operative(self):
        """Operative: neither it nor the charge point (connector 0) was made Inoperative, and
        no firmware update waits to install."""
        return self.cp.operative[0] and self.cp.operative[self.n] and not self.cp.updating

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
        if not self.operative():
            return "Unavailable", "NoError"
        if self.finishing:
            return "Finishing", "NoError"
        if self.cp.reservations and not self.pending and \
                cache.use("model.reservation").holding(self.cp, self):
            return "Reserved", "NoError"
        if self.pending or evse.state in PLUGGED:
            return "Preparing", "NoError"
        return "Available", "NoError"

    def _pilot_changed(self, old, new, now):
        plugged, was = new in PLUGGED, old in PLUGGED
        if plugged and not was and old != "E":
            self.log("connector %d: cable in" % self.n)
            if self.tx is not None:
                return  # EV back on a transaction kept across an EV-side disconnect
            if self.pending:
                self.start(self.pending[0], self.pending[1])
            elif self.config.get("FreeCharging") and self.can_start() and \
                    self.reserved_for(self.config.get("FreeChargingIdTag"), None):
                self.start(self.config.get("FreeChargingIdTag"), None)
            else:
                self.plugged_ms = now
        elif new == "A" and was:
            self.log("connector %d: cable out" % self.n)
            self.select_phase()
            self.finishing = False
            self.lock_failed = False
            self.plugged_ms = None
            if self.tx is not None and self.config.get("StopTransactionOnEVSideDisconnect"):
                asyncio.create_task(self.stop("EVDisconnected"))

    def select_phase(self):
        """OnePhaseChargingPhase (seed 002): the grid phase a single-phase EV gets, through the
        outlet's phase relay where one is fitted. It changes only while no vehicle is connected."""
        if self.plugged():
            return
        phase = self.config.get("OnePhaseChargingPhase")
        if self.evse.select_phase(phase):
            self.log("connector %d: single-phase EVs get phase L%d" % (self.n, phase))

    def availability_changed(self):
        """The charge point's or this connector's availability changed (ChangeAvailability)."""
        self.evse.set_available(self.operative())
        self.wake.set()

    # -- starting ------------------------------------------------------------------------------
    def can_start(self):
        """May a new transaction start now (state, availability, registration)?"""
        return self.tx is None and not self.evse.faults and not self.lock_failed and \
            self.operative() and self.cp.registration in (None, "Accepted")

    def plugged(self):
        return self.evse.state in PLUGGED

    def reserved_for(self, id_tag, parent):
        """Whether a reservation lets id_tag (parentIdTag `parent`) start here: none holds this
        connector, or it is that idTag's (or its parent's)."""
        return not self.cp.reservations or \
            cache.use("model.reservation").allows(self.cp, self, id_tag, parent)

    # -- a session: ocpp/model/transaction.py does the work -----------------------------------
    def _session(self):
        return cache.use("model.transaction")

    def _idle(self):
        """No session in the making or running: its code (the transaction, metering,
        authorization, the queue's sender) may go back to the heap (ocpp/core/cache.py)."""
        if self.tx is None and self.pending is None and not self.cards and \
                "ocpp.model.transaction" in sys.modules:
            cache.done("model.transaction")

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

    def present(self, id_tag):
        """A card at the reader: stop our transaction, or authorise a new one. Cards are
        handled one after the other (ocpp/model/transaction.py cards())."""
        if self.cards and self.cards[-1] == id_tag:
            self.log("connector %d: %s tapped again while it is handled" % (self.n, id_tag))
            return
        self.cards.append(id_tag)
        if len(self.cards) == 1:
            asyncio.create_task(self._session().cards(self))

    def meter_value(self, items, context, timestamp=None):
        """One MeterValue of `items` (measurands) now (ocpp/model/metering.py)."""
        m = cache.use("model.metering").Metering(self.evse, self.cp.clock)
        return m.meter_value(items, context, timestamp)

    def transaction_id(self):
        """The running transaction's id as the central system knows it (None if unknown)."""
        return None if self.tx is None else self.cp.txq.transaction_id(self.tx["ref"])
