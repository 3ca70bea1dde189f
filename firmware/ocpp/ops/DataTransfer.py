"""DataTransfer, both ways (OCPP 1.6 sections 4.3, 5.6): vendor-specific data.

From the central system: to a vendor handler registered in cp.vendors
(vendorId -> async fn(messageId, data) -> response payload), else UnknownVendorId.
From the charge point: send(cp, vendorId, messageId, data) -> the answer's payload.

    [2, id, "DataTransfer", {"vendorId", "messageId"?, "data"?}]
    -> {"status": Accepted | Rejected | UnknownMessageId | UnknownVendorId, "data"?}
"""


async def handle(cp, payload):
    handler = cp.vendors.get(payload["vendorId"])
    if handler is None:
        return {"status": "UnknownVendorId"}
    return await handler(payload.get("messageId"), payload.get("data"))


async def send(cp, vendor_id, message_id=None, data=None):
    payload = {"vendorId": vendor_id}
    if message_id is not None:
        payload["messageId"] = message_id
    if data is not None:
        payload["data"] = data
    return await cp.rpc.call("DataTransfer", payload)
