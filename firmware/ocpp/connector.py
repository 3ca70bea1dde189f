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
FreeCharging), in either order, within ConnectionTimeOut. Its record (tx.json) is kept on flash
while it runs, so that after a power cut the agent reports it stopped with reason PowerLoss and
the last meter value saved (at most SAVE_MS old; the EVSE's energy register itself is saved
every 10 Wh).
"""
import asyncio
import time

from micropython import const

from ocpp.metering import Metering

DOC_TX = "tx.json"
DOC_REF = "txref.json"
DOC_AVAIL = "availability.json"
SAVE_MS = const(30000)  # the running transaction's meter reading is saved at least this often
GRACEFUL_MS = const(7000)  # a stop waits this long for the EV to stop drawing (C1 forces at 6 s)
PLUGGED = "BCD"

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
        self.metering = Metering(evse, cp.board, cp.clock)
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
        self._next_sample = 0
        self._last_power = 0
        self._saved_ms = 0
        self._next_aligned = None
        evse.set_available(self.operative[0] and self.operative[1])
        evse.add_listener(self._on_evse)
        self.select_phase()
        self.config.watch("OnePhaseChargingPhase", lambda v: self.select_phase())

    # -- start-up ------------------------------------------------------------------------------
    def recover(self):
        """After a power cut during a transaction: report it stopped (PowerLoss) with the last
        meter reading that reached flash. The contactor is open: the EVSE starts that way."""
        tx = self.store.read_json(DOC_TX)
        if not isinstance(tx, dict) or "ref" not in tx:
            return
        self.log("connector: transaction %d was interrupted by a power loss" % tx["ref"])
        self.tx = tx
        self._finish("PowerLoss", None, max(tx["wh"], self.evse.energy_wh()), tx["at"],
                     end_sample=False)

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
            self._meter_tick(now)
        self._aligned_tick()
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

    def authorised(self, id_tag, parent):
        """An idTag may charge: start now if the cable is in, else wait ConnectionTimeOut."""
        if self.plugged():
            self.start(id_tag, parent)
        else:
            deadline = time.ticks_add(time.ticks_ms(), self.config.get("ConnectionTimeOut") * 1000)
            self.pending = (id_tag, parent, deadline)
            self.wake.set()

    def start(self, id_tag, parent):
        if not self.can_start():
            self.log("connector: cannot start a transaction now")
            return
        self.pending = None
        self.plugged_ms = None
        self.finishing = False
        board = self.cp.board
        if board.has_lock and board.lock(True) is False:
            # No energy through an unlocked plug: report it and wait for the cable to go.
            self.log("connector: cable lock failed; no transaction for %s" % id_tag)
            self.lock_failed = True
            self.wake.set()
            return
        ref = self._next_ref()
        wh = self.evse.energy_wh()
        ts = self.cp.clock.iso()
        self.tx = {"ref": ref, "idTag": id_tag, "parent": parent, "meterStart": wh, "ts": ts,
                   "wh": wh, "at": ts, "data": []}
        self._stop_data("Transaction.Begin")
        self._save_tx()
        self.cp.txq.push("StartTransaction", {"connectorId": self.n, "idTag": id_tag,
                                              "meterStart": wh, "timestamp": ts}, ref)
        self.log("connector: transaction %d started for %s at %d Wh" % (ref, id_tag, wh))
        now = time.ticks_ms()
        self._next_sample = time.ticks_add(now, self.config.get("MeterValueSampleInterval") * 1000)
        self._saved_ms = now
        self._last_power = 0
        self.evse.offer(board.max_current_a)
        self.evse.allow(True)
        self.wake.set()

    def start_answered(self, ref, conf):
        """StartTransaction.conf arrived (maybe long after, from the queue)."""
        tx = self.tx
        info = conf["idTagInfo"]
        if tx is None or tx["ref"] != ref:
            return  # that transaction is over already
        self.cp.auth.remember(tx["idTag"], info)
        if info["status"] == "Accepted":
            return
        if self.config.get("StopTransactionOnInvalidId"):
            self.log("connector: idTag %s not accepted (%s); stopping" % (tx["idTag"],
                                                                         info["status"]))
            asyncio.create_task(self.stop("DeAuthorized"))
        else:
            self.log("connector: idTag %s not accepted (%s); energy stopped" % (tx["idTag"],
                                                                                info["status"]))
            tx["suspended"] = True
            self.evse.allow(False)
            self._save_tx()
            self.wake.set()

    # -- stopping ------------------------------------------------------------------------------
    async def stop(self, reason, id_tag=None, graceful=True):
        """Stop the running transaction; False if there is none (or it is stopping already)."""
        tx = self.tx
        if tx is None or tx.get("stopping"):
            return False
        tx["stopping"] = True
        evse = self.evse
        if graceful and evse.relay_closed:
            # Ask the EV to stop drawing first (PWM off), so the contactor does not break the
            # load: it opens once the EV goes to B or draws nothing, or after GRACEFUL_MS
            # (the EVSE itself forces it open after 6 s in C without PWM).
            evse.offer(0)
            self.wake.set()
            deadline = time.ticks_add(time.ticks_ms(), GRACEFUL_MS)
            while evse.relay_closed and time.ticks_diff(deadline, time.ticks_ms()) > 0:
                amps = evse.currents_a()
                if amps is not None and max(amps) < 1:
                    break
                await asyncio.sleep_ms(50)
        evse.allow(False)
        self._finish(reason, id_tag, evse.energy_wh(), self.cp.clock.iso())
        return True

    def _finish(self, reason, id_tag, meter_stop, ts, end_sample=True):
        tx = self.tx
        if end_sample:
            self._stop_data("Transaction.End")
        payload = {"transactionId": None, "meterStop": meter_stop, "timestamp": ts,
                   "reason": reason, "idTag": id_tag or tx["idTag"]}
        if tx["data"]:
            payload["transactionData"] = tx["data"]
        self.cp.txq.push("StopTransaction", payload, tx["ref"])
        self.store.remove(DOC_TX)
        self.tx = None
        self.log("connector: transaction %d stopped (%s) at %d Wh" % (tx["ref"], reason,
                                                                      meter_stop))
        self.finishing = self.plugged()
        board = self.cp.board
        if board.has_lock and not self.config.get("LockCablePermanently") and \
                (reason != "EVDisconnected" or self.config.get("UnlockConnectorOnEVSideDisconnect")):
            board.lock(False)
        if self.scheduled is not None:
            connector_id, operative = self.scheduled
            self.scheduled = None
            self.set_operative(connector_id, operative)
        self.wake.set()

    # -- what a card does ----------------------------------------------------------------------
    async def present(self, id_tag):
        """A card at the reader: stop our transaction, or authorise a new one."""
        if self.busy:
            return
        self.busy = True
        try:
            await self._present(id_tag)
        finally:
            self.busy = False
            self.wake.set()

    async def _present(self, id_tag):
        tx = self.tx
        cp = self.cp
        if tx is not None:
            if id_tag == tx["idTag"]:
                await self.stop("Local", id_tag)
                return
            # Another card stops it only if it shares the starter's parentIdTag (spec 3.10).
            info = await cp.auth.authorize(id_tag, cp.online())
            if tx.get("parent") and info.get("parentIdTag") == tx["parent"]:
                await self.stop("Local", id_tag)
            else:
                self.log("connector: %s may not stop this transaction" % id_tag)
            return
        if self.pending and self.pending[0] == id_tag:
            self.log("connector: %s presented again; released" % id_tag)
            self.pending = None  # the second swipe ends the incipient session (B1)
            return
        if not self.can_start():
            self.log("connector: %s refused: cannot charge now" % id_tag)
            return
        if self.config.get("FreeCharging"):
            self.authorised(id_tag, None)
            return
        info = await cp.auth.authorize(id_tag, cp.online())
        if info["status"] != "Accepted":
            self.log("connector: %s not authorised (%s)" % (id_tag, info["status"]))
            return
        if self.can_start():
            self.authorised(id_tag, info.get("parentIdTag"))

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

    # -- meter values --------------------------------------------------------------------------
    def _meter_tick(self, now):
        tx = self.tx
        interval = self.config.get("MeterValueSampleInterval")
        if interval > 0 and time.ticks_diff(now, self._next_sample) >= 0:
            self._sample(now, interval)
        else:
            delta = self.config.get("PowerActiveImportDeltaForEagerMeterValueSample")
            if delta > 0 and abs(self.evse.power_w() - self._last_power) > delta:
                self._sample(now, interval)  # seed 003: an early sample, interval restarts
        if time.ticks_diff(now, self._saved_ms) >= SAVE_MS:
            self.evse.persist()  # the register on flash never lags what is reported
            tx["wh"] = self.evse.energy_wh()
            tx["at"] = self.cp.clock.iso()
            self._save_tx()
            self._saved_ms = now

    def _sample(self, now, interval):
        tx = self.tx
        self._next_sample = time.ticks_add(now, max(interval, 1) * 1000)
        self._last_power = self.evse.power_w()
        items = self.config.get("MeterValuesSampledData")
        if items:
            mv = self.metering.meter_value(items, "Sample.Periodic")
            self.cp.txq.push("MeterValues", {"connectorId": self.n, "transactionId": None,
                                             "meterValue": [mv]}, tx["ref"])
        self._stop_data("Sample.Periodic")
        self.evse.persist()  # the register on flash never lags a value reported
        tx["wh"] = self.evse.energy_wh()
        tx["at"] = self.cp.clock.iso()
        self._save_tx()
        self._saved_ms = now

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
        items = self.config.get("MeterValuesAlignedData")
        tx = self.tx
        if items:
            payload = {"connectorId": self.n,
                       "meterValue": [self.metering.meter_value(items, "Sample.Clock", ts)]}
            if tx is not None:
                payload["transactionId"] = None
                self.cp.txq.push("MeterValues", payload, tx["ref"])
            else:
                self.cp.send_later("MeterValues", payload)
        if tx is not None:
            self._stop_data("Sample.Clock", ts, "StopTxnAlignedData")

    def _stop_data(self, context, ts=None, key=None):
        """Meter values for StopTransaction.transactionData; Begin and End are never dropped."""
        if key is None:
            key = "StopTxnSampledData"
            if context in ("Transaction.Begin", "Transaction.End"):
                self._stop_data(context, ts, "StopTxnAlignedData")
        items = self.config.get(key)
        if not items:
            return
        data = self.tx["data"]
        mv = self.metering.meter_value(items, context, ts)
        if data and data[-1]["timestamp"] == mv["timestamp"] and \
                data[-1]["sampledValue"][0]["context"] == context:
            # sampled + aligned at one instant: one reading, each measurand and phase once
            have = data[-1]["sampledValue"]
            seen = [(v["measurand"], v.get("phase")) for v in have]
            for v in mv["sampledValue"]:
                if (v["measurand"], v.get("phase")) not in seen:
                    have.append(v)
            return
        data.append(mv)
        # Errata 3.89: at most StopTransactionMaxMeterValues; the oldest intermediate value goes,
        # Transaction.Begin stays (and Transaction.End comes last).
        if len(data) > self.config.get("StopTransactionMaxMeterValues"):
            del data[1]

    # -- persistence ---------------------------------------------------------------------------
    def _save_tx(self):
        try:
            self.store.write_json(DOC_TX, self.tx)
        except OSError as e:
            self.log("connector: cannot save the transaction: %r" % (e,))

    def _next_ref(self):
        doc = self.store.read_json(DOC_REF, {})
        n = (doc.get("n", 0) if isinstance(doc, dict) else 0) + 1
        self.store.write_json(DOC_REF, {"n": n})
        return n

    def transaction_id(self):
        """The running transaction's id as the central system knows it (None if unknown)."""
        return None if self.tx is None else self.cp.txq.transaction_id(self.tx["ref"])
