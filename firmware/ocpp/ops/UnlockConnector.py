"""UnlockConnector: stop the transaction on it (reason UnlockCommand), then unlock (OCPP 1.6
section 5.18). No such connector or no lock fitted -> NotSupported (errata 3.85).

    {"connectorId"}  ->  {"status": Unlocked | UnlockFailed | NotSupported}
"""


async def handle(cp, payload):
    n = payload["connectorId"]
    if not 1 <= n <= cp.n or not cp.connector(n).evse.has_lock:
        return {"status": "NotSupported"}
    c = cp.connector(n)
    await c.stop("UnlockCommand", graceful=False)
    return {"status": "Unlocked" if c.evse.lock(False) else "UnlockFailed"}
