"""Registration: BootNotification until the central system accepts the charge point.
Imported by chargepoint.py while it runs (ocpp/lazy.py) and dropped once accepted.
"""
import asyncio

from micropython import const

from ocpp import rpc

FIRMWARE_VERSION = "0.1.0"
_BOOT_RETRY_S = const(60)  # when the central system gives no interval (0) or fails the boot


async def register(cp):
    """BootNotification until Accepted (nothing else is sent before, OCPP 1.6 4.2); returns the
    heartbeat interval the central system gave."""
    settings = cp.settings
    payload = {
        "chargePointVendor": settings.get("vendor", "MicroOcppPy"),
        "chargePointModel": settings.get("model", cp.board.name),
        "firmwareVersion": FIRMWARE_VERSION,
    }
    if settings.get("serial_number"):
        payload["chargeBoxSerialNumber"] = settings["serial_number"]
    while True:
        try:
            conf = await cp.rpc.call("BootNotification", payload)
        except (rpc.CallError, asyncio.TimeoutError) as e:
            cp.log("boot: no answer (%s %s); retry in %d s" % (type(e).__name__, e, _BOOT_RETRY_S))
            await asyncio.sleep(_BOOT_RETRY_S)
            continue
        cp.clock.sync(conf["currentTime"])
        cp.registration = conf["status"]
        interval = conf["interval"]
        cp.log("boot: %s, interval %d s" % (cp.registration, interval))
        if cp.registration == "Accepted":
            return interval
        # Pending or Rejected: the interval is the wait before the next BootNotification.
        await asyncio.sleep(interval if interval > 0 else _BOOT_RETRY_S)
