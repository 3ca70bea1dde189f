"""Sending the transaction-message queue (ocpp/model/txqueue.py): oldest first, with the retry rules
of OCPP 1.6 section 4.8. Imported only while there is something to send.

    head of the journal -> call() -> answer: bookkeeping, pop, next
                                   | CALLERROR / timeout: wait interval x attempt,
                                   | drop after TransactionMessageAttempts
                                   | not connected: keep it, return (run() waits for the link)
"""
import asyncio

from ocpp.core import rpc
from ocpp.model.txqueue import DOC_IDS


async def deliver(q, ready):
    """Send queue `q`'s messages while `ready()`; return when it is empty or the link is down."""
    while ready():
        head = q.journal.peek()
        if head is None:
            return
        seq, rec = head
        action, payload, ref = rec["a"], rec["p"], rec.get("r")
        if ref is not None and action != "StartTransaction":
            tx_id = q.ids.get(str(ref))
            payload["transactionId"] = -1 if tx_id is None else tx_id
        try:
            conf = await q.rpc.call(action, payload)
        except rpc.NotConnected:
            await asyncio.sleep_ms(100)  # never spin if the link state lags a moment
            return  # not an attempt: it waits for the link
        except (rpc.CallError, asyncio.TimeoutError) as e:
            q.attempts += 1
            limit = q.config.get("TransactionMessageAttempts")
            if q.attempts >= limit:
                q.log("txqueue: %s dropped after %d attempts (%r)" % (action, q.attempts, e))
                q.journal.pop(seq)
                q.attempts = 0
            else:
                wait = q.config.get("TransactionMessageRetryInterval") * q.attempts
                q.log("txqueue: %s failed (%r); retry %d in %d s"
                      % (action, e, q.attempts + 1, wait))
                await asyncio.sleep(wait)
            continue
        q.attempts = 0
        q.journal.pop(seq)
        if q.on_result:  # the answer, to the message's module (ocpp/ops/<action>.py answered)
            try:
                q.on_result(action, rec, conf)
            except Exception as e:
                q.log("txqueue: handling the %s answer failed: %r" % (action, e))


def learned(q, ref, tx_id):
    """StartTransaction.conf: local transaction `ref` is `tx_id` to the central system."""
    q.ids[str(ref)] = tx_id
    _save_ids(q)


def forget(q, ref):
    """StopTransaction went: nothing of transaction `ref` comes after it."""
    if q.ids.pop(str(ref), None) is not None:
        _save_ids(q)


def _save_ids(q):
    try:
        q.store.write_json(DOC_IDS, q.ids)
    except OSError as e:
        q.log("txqueue: cannot save transaction ids: %r" % (e,))
