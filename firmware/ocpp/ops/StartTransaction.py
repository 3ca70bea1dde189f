"""StartTransaction (charge point -> central system): a transaction began on a connector (OCPP
1.6 section 4.8). Queued on flash by ocpp/model/transaction.py the moment it happens and sent
by the transaction-message queue (ocpp/model/txqueue.py), which hands the answer back here.

    [2, id, "StartTransaction", {"connectorId", "idTag", "meterStart", "timestamp"}]
    -> {"transactionId", "idTagInfo": {"status", "parentIdTag"?, ...}}
"""
from ocpp.core import cache


def request(c, id_tag, meter_start, timestamp):
    return {"connectorId": c.n, "idTag": id_tag, "meterStart": meter_start,
            "timestamp": timestamp}


def answered(cp, record, conf):
    """The central system's id for the transaction, and whether its idTag may go on."""
    ref = record["r"]
    cache.use("model.txsend").learned(cp.txq, ref, conf["transactionId"])
    for c in cp.connectors:
        if c.tx is not None and c.tx["ref"] == ref:
            c.start_answered(ref, conf)
            return
    # That transaction is over already: the cache still learns the idTag's status.
    cp.auth().remember(record["p"]["idTag"], conf["idTagInfo"])
