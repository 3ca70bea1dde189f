"""A transaction on a connector: start, stop, cards, meter values, power-loss recovery.

Loaded while a session is in the making or running (ocpp/core/cache.py): connector.py keeps
the facts (its ``tx`` record, ``pending`` idTag, flags) and loads this module for what happens
to them. Every function takes the Connector ``c``; no state lives here, so the module can be
evicted and imported again at any moment. The messages themselves (StartTransaction,
StopTransaction, MeterValues) are built by their modules in ocpp/ops/ and go through the
transaction-message queue (ocpp/model/txqueue.py).

The transaction record (``c.tx``, document c.doc_tx while it runs):
    {"ref": local number, "idTag", "parent": parentIdTag, "meterStart": Wh, "ts": start time,
     "wh": last saved reading, "at": its time, "data": StopTransaction.transactionData,
     "suspended": the central system invalidated the idTag, "stopping": a stop is under way}
It is on flash while the transaction runs, so that after a power cut the agent reports it
stopped with reason PowerLoss and the last meter value saved (at most _SAVE_MS old; the EVSE's
energy register itself is saved every 10 Wh).
"""
import asyncio
import time

from micropython import const

from ocpp.core import cache

DOC_REF = "txref.json"
_SAVE_MS = const(30000)  # the running transaction's meter reading is saved at least this often
_GRACEFUL_MS = const(7000)  # a stop waits this long for the EV to stop drawing (C1 forces at 6 s)


# -- start-up --------------------------------------------------------------------------------------
def recover(c):
    """After a power cut during a transaction: report it stopped (PowerLoss) with the last
    meter reading that reached flash. The contactor is open: the EVSE starts that way."""
    tx = c.store.read_json(c.doc_tx)
    if not isinstance(tx, dict) or "ref" not in tx:
        return
    c.log("connector %d: transaction %d was interrupted by a power loss" % (c.n, tx["ref"]))
    c.tx = tx
    _finish(c, "PowerLoss", None, max(tx["wh"], c.evse.energy_wh()), tx["at"], end_sample=False)


# -- starting --------------------------------------------------------------------------------------
def authorised(c, id_tag, parent):
    """An idTag may charge: start now if the cable is in, else wait ConnectionTimeOut. A
    connector held by a reservation for another idTag (and parent) refuses it here, whatever
    authorised it (a card, FreeCharging, RemoteStartTransaction)."""
    if not c.reserved_for(id_tag, parent):
        c.log("connector %d: %s refused: reserved for another idTag" % (c.n, id_tag))
        return
    if c.plugged():
        start(c, id_tag, parent)
    else:
        deadline = time.ticks_add(time.ticks_ms(), c.config.get("ConnectionTimeOut") * 1000)
        c.pending = (id_tag, parent, deadline)
        c.wake.set()


def start(c, id_tag, parent):
    if not c.can_start():
        c.log("connector: cannot start a transaction now")
        return
    c.pending = None
    c.plugged_ms = None
    c.finishing = False
    evse = c.evse
    if evse.has_lock and evse.lock(True) is False:
        # No energy through an unlocked plug: report it and wait for the cable to go.
        c.log("connector %d: cable lock failed; no transaction for %s" % (c.n, id_tag))
        c.lock_failed = True
        c.wake.set()
        return
    ref = _next_ref(c)
    wh = c.evse.energy_wh()
    ts = c.cp.clock.iso()
    c.tx = {"ref": ref, "idTag": id_tag, "parent": parent, "meterStart": wh, "ts": ts,
            "wh": wh, "at": ts, "data": []}
    stop_data(c, "Transaction.Begin")
    _save_tx(c)
    request = _ops("StartTransaction").request(c, id_tag, wh, ts)
    if c.cp.reservations:  # the reservation it uses ends, and is named (section 5.13)
        rid = cache.use("model.reservation").take(c.cp, c, id_tag, parent)
        if rid is not None:
            request["reservationId"] = rid
    c.cp.txq.push("StartTransaction", request, ref)
    c.log("connector %d: transaction %d started for %s at %d Wh" % (c.n, ref, id_tag, wh))
    now = time.ticks_ms()
    c.next_sample = time.ticks_add(now, c.config.get("MeterValueSampleInterval") * 1000)
    c.saved_ms = now
    c.last_power = 0
    c.cp.smart.start(c)  # the limit in force (or a randomised delay) before any energy
    evse.allow(True)
    c.wake.set()


def start_answered(c, ref, conf):
    """StartTransaction.conf arrived (maybe long after, from the queue)."""
    tx = c.tx
    info = conf["idTagInfo"]
    if tx is None or tx["ref"] != ref:
        return  # that transaction is over already
    c.cp.auth().remember(tx["idTag"], info)
    if info.get("parentIdTag") and info["parentIdTag"] != tx.get("parent"):
        # Spec 3.10: a card with the same parent may stop it, also when the parent first
        # comes with this answer (OCTT TC_069).
        tx["parent"] = info["parentIdTag"]
        _save_tx(c)
    if info["status"] == "Accepted":
        return
    most = c.config.get("MaxEnergyOnInvalidId")
    if most > 0 and c.evse.energy_wh() - tx["meterStart"] < most:
        # MaxEnergyOnInvalidId: the energy may go on up to that many Wh from the start
        c.log("connector %d: idTag %s not accepted (%s); energy up to %d Wh"
              % (c.n, tx["idTag"], info["status"], most))
        tx["invalid"] = info["status"]
        _save_tx(c)
        return
    _invalidated(c, info["status"])


def _invalidated(c, status):
    """The transaction's idTag is not (or no longer) accepted: stop it
    (StopTransactionOnInvalidId) or stop only the energy."""
    tx = c.tx
    tx.pop("invalid", None)
    if c.config.get("StopTransactionOnInvalidId"):
        c.log("connector %d: idTag %s not accepted (%s); stopping" % (c.n, tx["idTag"], status))
        asyncio.create_task(c.stop("DeAuthorized"))
    else:
        c.log("connector %d: idTag %s not accepted (%s); energy stopped"
              % (c.n, tx["idTag"], status))
        tx["suspended"] = True
        c.evse.allow(False)
        _save_tx(c)
        c.wake.set()


# -- stopping --------------------------------------------------------------------------------------
async def stop(c, reason, id_tag, graceful):
    """Stop the running transaction; False if there is none (or it is stopping already)."""
    tx = c.tx
    if tx is None or tx.get("stopping"):
        return False
    tx["stopping"] = True
    evse = c.evse
    if graceful and evse.relay_closed:
        # Ask the EV to stop drawing first (PWM off), so the contactor does not break the
        # load: it opens once the EV goes to B or draws nothing, or after _GRACEFUL_MS
        # (the EVSE itself forces it open after 6 s in C without PWM).
        evse.offer(0)
        c.wake.set()
        deadline = time.ticks_add(time.ticks_ms(), _GRACEFUL_MS)
        while evse.relay_closed and time.ticks_diff(deadline, time.ticks_ms()) > 0:
            amps = evse.currents_a()
            if amps is not None and max(amps) < 1:
                break
            await asyncio.sleep_ms(50)
    evse.allow(False)
    _finish(c, reason, id_tag, evse.energy_wh(), c.cp.clock.iso())
    return True


def _finish(c, reason, id_tag, meter_stop, ts, end_sample=True):
    tx = c.tx
    if end_sample:
        stop_data(c, "Transaction.End")
    c.cp.txq.push("StopTransaction", _ops("StopTransaction").request(
        id_tag or tx["idTag"], meter_stop, ts, reason, tx["data"]), tx["ref"])
    c.store.remove(c.doc_tx)
    c.tx = None
    c.log("connector %d: transaction %d stopped (%s) at %d Wh"
          % (c.n, tx["ref"], reason, meter_stop))
    c.finishing = c.plugged()
    evse = c.evse
    if evse.has_lock and not c.config.get("LockCablePermanently") and \
            (reason != "EVDisconnected" or c.config.get("UnlockConnectorOnEVSideDisconnect")):
        evse.lock(False)
    # a ChangeAvailability scheduled for it applies now
    cache.use("model.availability").transaction_ended(c.cp, c.n)
    c.cp.smart.changed()  # its TxProfiles go; the charge point's cap is shared anew
    c.wake.set()


# -- what a card does ------------------------------------------------------------------------------
def card_connector(cp, id_tag):
    """The connector a card at the charge point's one reader concerns: the one whose
    transaction it started (to stop it) or that waits with it, else one with a cable waiting for
    a card, else the first that can start."""
    for c in cp.connectors:
        if (c.tx is not None and c.tx["idTag"] == id_tag) or \
                (c.pending is not None and c.pending[0] == id_tag):
            return c.n
    for c in cp.connectors:
        if c.tx is None and c.plugged() and c.can_start():
            return c.n
    for c in cp.connectors:
        if c.can_start():
            return c.n
    return 1


async def cards(c):
    """The cards presented at connector c (c.cards, oldest first), one after the other: one
    tapped while the one before is still being authorised (a second card after an invalid one)
    waits its turn instead of being lost."""
    while c.cards:
        try:
            await present(c, c.cards[0])
        except Exception as e:
            c.log("connector %d: card %s failed: %r" % (c.n, c.cards[0], e))
        finally:
            c.cards.pop(0)
            c.wake.set()


async def present(c, id_tag):
    """A card at the reader: stop our transaction, or authorise a new one."""
    tx = c.tx
    cp = c.cp
    if tx is not None:
        if id_tag == tx["idTag"]:
            await c.stop("Local", id_tag)
            return
        # Another card stops it only if it shares the starter's parentIdTag (spec 3.10).
        info = await cp.auth().authorize(id_tag, cp.online())
        if tx.get("parent") and info.get("parentIdTag") == tx["parent"]:
            await c.stop("Local", id_tag)
        else:
            c.log("connector %d: %s may not stop this transaction" % (c.n, id_tag))
        return
    if c.pending and c.pending[0] == id_tag:
        c.log("connector %d: %s presented again; released" % (c.n, id_tag))
        c.pending = None  # the second swipe ends the incipient session (B1)
        return
    if not c.can_start():
        c.log("connector %d: %s refused: cannot charge now" % (c.n, id_tag))
        return
    if c.config.get("FreeCharging"):
        authorised(c, id_tag, None)
        return
    info = await cp.auth().authorize(id_tag, cp.online())
    if info["status"] != "Accepted":
        c.log("connector %d: %s not authorised (%s)" % (c.n, id_tag, info["status"]))
        return
    if c.can_start():
        authorised(c, id_tag, info.get("parentIdTag"))


# -- meter values ----------------------------------------------------------------------------------
def meter_tick(c, now):
    """Sampled meter values of the running transaction, and its record saved every _SAVE_MS."""
    interval = c.config.get("MeterValueSampleInterval")
    if interval > 0 and time.ticks_diff(now, c.next_sample) >= 0:
        _sample(c, now, interval)
    else:
        delta = c.config.get("PowerActiveImportDeltaForEagerMeterValueSample")
        if delta > 0 and abs(c.evse.power_w() - c.last_power) > delta:
            _sample(c, now, interval)  # seed 003: an early sample, interval restarts
    if time.ticks_diff(now, c.saved_ms) >= _SAVE_MS:
        _save_reading(c, now)
    tx = c.tx
    if tx.get("invalid") and not tx.get("stopping") and \
            c.evse.energy_wh() - tx["meterStart"] >= c.config.get("MaxEnergyOnInvalidId"):
        _invalidated(c, tx["invalid"])  # MaxEnergyOnInvalidId reached


def _sample(c, now, interval):
    c.next_sample = time.ticks_add(now, max(interval, 1) * 1000)
    c.last_power = c.evse.power_w()
    items = c.config.get("MeterValuesSampledData")
    if items:
        mv = c.meter_value(items, "Sample.Periodic")
        c.cp.txq.push("MeterValues", _ops("MeterValues").request(c, mv, True), c.tx["ref"])
    stop_data(c, "Sample.Periodic")
    _save_reading(c, now)


def _save_reading(c, now):
    c.evse.persist()  # the register on flash never lags what is reported
    tx = c.tx
    tx["wh"] = c.evse.energy_wh()
    tx["at"] = c.cp.clock.iso()
    _save_tx(c)
    c.saved_ms = now


def aligned_tick(c):
    """Clock-aligned readings (ClockAlignedDataInterval), at the interval's multiples from
    midnight."""
    interval = c.config.get("ClockAlignedDataInterval")
    t = c.cp.clock.now()
    if c.next_aligned is None or c.next_aligned - t > interval:
        c.next_aligned = (t // interval + 1) * interval  # boundaries from midnight
        return
    if t < c.next_aligned:
        return
    ts = c.cp.clock.iso(c.next_aligned)
    c.next_aligned = (t // interval + 1) * interval
    aligned(c, ts)


def aligned(c, ts):
    """A clock-aligned reading (ClockAlignedDataInterval) taken at `ts`."""
    items = c.config.get("MeterValuesAlignedData")
    tx = c.tx
    if items:
        payload = _ops("MeterValues").request(c, c.meter_value(items, "Sample.Clock", ts),
                                             tx is not None)
        if tx is not None:
            c.cp.txq.push("MeterValues", payload, tx["ref"])
        elif c.cp.online():  # (outside a transaction: lost when offline)
            asyncio.create_task(c.cp.send_quietly("MeterValues", payload))
    if tx is not None:
        stop_data(c, "Sample.Clock", ts, "StopTxnAlignedData")


def stop_data(c, context, ts=None, key=None):
    """Meter values for StopTransaction.transactionData; Begin and End are never dropped."""
    if key is None:
        key = "StopTxnSampledData"
        if context in ("Transaction.Begin", "Transaction.End"):
            stop_data(c, context, ts, "StopTxnAlignedData")
    items = c.config.get(key)
    if not items:
        return
    data = c.tx["data"]
    mv = c.meter_value(items, context, ts)
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
    if len(data) > c.config.get("StopTransactionMaxMeterValues"):
        del data[1]


# -- persistence -----------------------------------------------------------------------------------
def _save_tx(c):
    try:
        c.store.write_json(c.doc_tx, c.tx)
    except OSError as e:
        c.log("connector %d: cannot save the transaction: %r" % (c.n, e))


def _ops(action):
    return cache.use("ops." + action)


def _next_ref(c):
    doc = c.store.read_json(DOC_REF, {})
    n = (doc.get("n", 0) if isinstance(doc, dict) else 0) + 1
    c.store.write_json(DOC_REF, {"n": n})
    return n
