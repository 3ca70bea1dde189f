"""DataTransfer from the central system: to a vendor handler registered in cp.vendors, else
UnknownVendorId (OCPP 1.6 section 4.3)."""


async def handle(cp, payload):
    handler = cp.vendors.get(payload["vendorId"])
    if handler is None:
        return {"status": "UnknownVendorId"}
    return await handler(payload.get("messageId"), payload.get("data"))
