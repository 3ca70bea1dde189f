"""UnlockConnector: stop the transaction on it (reason UnlockCommand), then unlock. No such
connector or no lock fitted -> NotSupported (errata 3.85)."""


async def handle(cp, payload):
    c = cp.connector
    if payload["connectorId"] != c.n or not cp.board.has_lock:
        return {"status": "NotSupported"}
    await c.stop("UnlockCommand", graceful=False)
    return {"status": "Unlocked" if cp.board.lock(False) else "UnlockFailed"}
