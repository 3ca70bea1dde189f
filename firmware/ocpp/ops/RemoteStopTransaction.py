"""RemoteStopTransaction: Accepted only for the transaction running here; it stops with
reason Remote like a local stop (OCPP 1.6 section 5.12)."""


async def handle(cp, payload):
    c = cp.connector
    if cp.registration != "Accepted" or c.tx is None or \
            c.transaction_id() != payload["transactionId"]:
        return {"status": "Rejected"}

    async def stop():
        await c.stop("Remote")

    return {"status": "Accepted"}, stop
