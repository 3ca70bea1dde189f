"""SecurityEventNotification (charge point -> central system): a critical security event
(security whitepaper A04, section 8). ocpp/model/security.py logs every event and queues the
critical ones with the transaction messages (ocpp/model/txqueue.py), which sends them.

    [2, id, "SecurityEventNotification", {"type": "StartupOfTheDevice",
                                          "timestamp": "2026-12-05T08:15:00Z",
                                          "techInfo"?: "..."}]  -> {}
"""


def request(kind, timestamp, tech=None):
    payload = {"type": kind, "timestamp": timestamp}
    if tech:
        payload["techInfo"] = tech
    return payload
