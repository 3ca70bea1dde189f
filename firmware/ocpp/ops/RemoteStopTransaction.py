"""RemoteStopTransaction: Accepted only for a transaction running here; it stops with reason
Remote like a local stop (OCPP 1.6 section 5.12).

    {"transactionId"}  ->  {"status": Accepted | Rejected}
"""


async def handle(cp, payload):
    if cp.registration == "Accepted":
        for c in cp.connectors:
            if c.tx is not None and c.transaction_id() == payload["transactionId"]:
                async def stop():
                    await c.stop("Remote")

                return {"status": "Accepted"}, stop
    return {"status": "Rejected"}
