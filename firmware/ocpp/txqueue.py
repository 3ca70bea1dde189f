"""Transaction-related messages on flash, delivered in order (OCPP 1.6 sections 3.7 and 4.8).

StartTransaction, StopTransaction and the MeterValues of a transaction go into a journal the
moment they happen (store.Journal: survives a power cut), and one task sends them oldest first
whenever the charge point is connected and accepted:

    push(action, payload, ref) -> journal -> run(): call() -> pop
                                               | CALLERROR / timeout: wait interval x attempt,
                                               | drop after TransactionMessageAttempts
                                               | not connected: keep it, wait for the link

A transaction is known locally by its ref (a number the agent gives it) until the central
system answers StartTransaction with a transactionId; later messages of the transaction carry
that id, looked up when they are sent. A StartTransaction that was never answered leaves them
with transactionId -1 (errata 3.18). Delivery is at least once: a cut between the answer and
the pop sends the message again after the reboot.
"""
import asyncio

from ocpp import rpc

DOC_IDS = "txids.json"


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
        self.on_result = None  # fn(action, record, conf): answers the agent wants to see

    def push(self, action, payload, ref=None):
        """Queue a message; durable when this returns. `ref`: the local transaction number."""
        self.journal.append({"a": action, "p": payload, "r": ref})
        self.wake.set()

    def __len__(self):
        return len(self.journal)

    def transaction_id(self, ref):
        """The central system's id for local transaction `ref`, or None while unknown."""
        return self.ids.get(str(ref))

    async def run(self, ready):
        """Deliver forever; `ready()` says whether the link is up and the boot accepted."""
        attempts = 0
        while True:
            head = self.journal.peek()
            if head is None or not ready():
                self.wake.clear()
                try:
                    await asyncio.wait_for_ms(self.wake.wait(), 1000)
                except asyncio.TimeoutError:
                    pass
                continue
            seq, rec = head
            action, payload, ref = rec["a"], rec["p"], rec.get("r")
            if ref is not None and action != "StartTransaction":
                tx_id = self.ids.get(str(ref))
                payload["transactionId"] = -1 if tx_id is None else tx_id
            try:
                conf = await self.rpc.call(action, payload)
            except rpc.NotConnected:
                continue  # not an attempt: it waits for the link
            except (rpc.CallError, asyncio.TimeoutError) as e:
                attempts += 1
                limit = self.config.get("TransactionMessageAttempts")
                if attempts >= limit:
                    self.log("txqueue: %s dropped after %d attempts (%r)" % (action, attempts, e))
                    self.journal.pop(seq)
                    attempts = 0
                else:
                    wait = self.config.get("TransactionMessageRetryInterval") * attempts
                    self.log("txqueue: %s failed (%r); retry %d in %d s"
                             % (action, e, attempts + 1, wait))
                    await asyncio.sleep(wait)
                continue
            attempts = 0
            if action == "StartTransaction":
                self.ids[str(ref)] = conf["transactionId"]
                self._save_ids()
            elif action == "StopTransaction" and str(ref) in self.ids:
                del self.ids[str(ref)]  # nothing of this transaction comes after its stop
                self._save_ids()
            self.journal.pop(seq)
            if self.on_result:
                try:
                    self.on_result(action, rec, conf)
                except Exception as e:
                    self.log("txqueue: handling the %s answer failed: %r" % (action, e))

    def _save_ids(self):
        try:
            self.store.write_json(DOC_IDS, self.ids)
        except OSError as e:
            self.log("txqueue: cannot save transaction ids: %r" % (e,))
