"""StopTransaction (charge point -> central system): a transaction ended, with its meter
readings (OCPP 1.6 section 4.10, errata 3.89). Queued on flash by ocpp/model/transaction.py;
its transactionId is filled in when it is sent (ocpp/model/txsend.py), -1 if the central system
never answered the start (errata 3.18).

    [2, id, "StopTransaction", {"transactionId", "meterStop", "timestamp", "reason",
                                "idTag", "transactionData"?: [MeterValue, ...]}]
    -> {"idTagInfo"?}
"""
from ocpp.core import cache


def request(id_tag, meter_stop, timestamp, reason, data):
    payload = {"transactionId": None, "meterStop": meter_stop, "timestamp": timestamp,
               "reason": reason, "idTag": id_tag}
    if data:
        payload["transactionData"] = data
    return payload


def answered(cp, record, conf):
    cache.use("model.txsend").forget(cp.txq, record["r"])
    if conf.get("idTagInfo"):
        cp.auth().remember(record["p"].get("idTag"), conf["idTagInfo"])
