"""ChangeConfiguration: Accepted, Rejected (bad value, read-only), RebootRequired, NotSupported."""


async def handle(cp, payload):
    return {"status": cp.config.change(payload["key"], payload["value"])}
