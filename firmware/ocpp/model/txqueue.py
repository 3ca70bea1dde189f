"""Transaction-related messages on flash, delivered in order (OCPP 1.6 sections 3.7 and 4.8).

StartTransaction, StopTransaction and the MeterValues of a transaction go into a journal the
moment they happen (store.Journal: survives a power cut), and one task sends them oldest first
whenever the charge point is connected and accepted:

    push(action, payload, ref) -> journal -> run(): call() -> pop
                                               | CALLERROR / timeout: wait interval x attempt,
                                               | drop after TransactionMessageAttempts
                                               | not connected: keep it, wait for the link

The sending is in ocpp/model/txsend.py, loaded only while there is something to send.
Stand-alone (no central system configured), nothing is queued: StartTransaction and
StopTransaction go to a local log instead ("txlog", the last LOG_KEEP of them), so a central
system configured later receives no stale queue as if it were live.
A transaction is known locally by its ref (a number the agent gives it) until the central
system answers StartTransaction with a transactionId; later messages of the transaction carry
that id, looked up when they are sent. A StartTransaction that was never answered leaves them
with transactionId -1 (errata 3.18). Delivery is at least once: a cut between the answer and
the pop sends the message again after the reboot.
"""
import asyncio

from ocpp.core import cache

DOC_IDS = "txids.json"
LOG_KEEP = 500  # stand-alone: transaction records kept in the local log


class TxQueue:
    def __init__(self, store, rpc_, config, log):
        self.store = store
        self.rpc = rpc_
        self.config = config
        self.log = log
        self.journal = store.journal("txqueue")
        ids = store.read_json(DOC_IDS, {})
        self.ids = ids if isinstance(ids, dict) else {}  # str(ref) -> transactionId
        self.wake = asyncio.Event()
        self.on_result = None  # fn(action, record, conf): the answer, for ocpp/ops/<action>.py
        self.attempts = 0  # failed attempts at the message at the head (ocpp/model/txsend.py)
        self.local = None  # stand-alone: the local log (a store.Journal), set by the charge point

    def keep_locally(self):
        """Stand-alone from now on: transactions are logged on flash, never sent."""
        self.local = self.store.journal("txlog")

    def push(self, action, payload, ref=None):
        """Queue a message; durable when this returns. `ref`: the local transaction number."""
        if self.local is not None:
            if action != "MeterValues":
                log = self.local
                log.append({"a": action, "p": payload, "r": ref})
                while len(log) > LOG_KEEP:
                    log.pop(log.peek()[0])
            return
        self.journal.append({"a": action, "p": payload, "r": ref})
        self.wake.set()

    def __len__(self):
        return len(self.journal)

    def transaction_id(self, ref):
        """The central system's id for local transaction `ref`, or None while unknown."""
        return self.ids.get(str(ref))

    async def run(self, ready):
        """Deliver forever; `ready()` says whether the link is up and the boot accepted.
        The sending (ocpp/model/txsend.py) is loaded when there is something to send."""
        while True:
            if len(self.journal) and ready():
                try:
                    try:
                        await cache.use("model.txsend").deliver(self, ready)
                    finally:
                        cache.done("model.txsend")  # the queue is empty: a short heap lets it go
                except Exception as e:
                    # No room this moment to load the sender or make the message, or a fault:
                    # the message stays queued on flash and goes later; this loop must never
                    # die of it (a dead sender would deliver nothing until a reboot).
                    self.log("txqueue: %s %s sending; again in 1 s" % (type(e).__name__, e))
                    await asyncio.sleep_ms(1000)
                continue
            self.wake.clear()
            try:
                await asyncio.wait_for_ms(self.wake.wait(), 1000)
            except asyncio.TimeoutError:
                pass
