"""ClearCache: empty the Authorization Cache."""


async def handle(cp, payload):
    cp.auth().clear()
    return {"status": "Accepted"}
