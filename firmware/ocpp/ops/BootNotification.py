"""BootNotification (charge point -> central system): who this charge point is, sent on every
new link until the central system accepts it; nothing else is sent before (OCPP 1.6 section
4.2). Pending or Rejected: again after the interval it gives, or at once when TriggerMessage
asks for it, which it may only until the charge point is accepted (errata 3.35).

    [2, id, "BootNotification", {"chargePointVendor", "chargePointModel", "firmwareVersion",
                                 "chargeBoxSerialNumber"?}]
    -> {"status": Accepted | Pending | Rejected, "currentTime", "interval"}
"""
import asyncio

from micropython import const

import version
from ocpp.core import rpc

_RETRY_S = const(60)  # when the central system gives no interval (0) or fails the boot


async def send(cp):
    """BootNotification until Accepted; returns the heartbeat interval the central system
    gave (ocpp/model/chargepoint.py runs this on a new link)."""
    payload = request(cp)
    while True:
        try:
            conf = await cp.rpc.call("BootNotification", payload)
        except (rpc.CallError, asyncio.TimeoutError) as e:
            cp.log("boot: no answer (%s %s); retry in %d s" % (type(e).__name__, e, _RETRY_S))
            await asyncio.sleep(_RETRY_S)
            continue
        interval = answered(cp, conf)
        if cp.registration == "Accepted":
            return interval
        await _pause(cp, interval if interval > 0 else _RETRY_S)


async def _pause(cp, seconds):
    """Wait `seconds`, or less once a TriggerMessage asked for a BootNotification now."""
    cp.boot_now = False
    for _ in range(seconds):
        await asyncio.sleep(1)
        if cp.boot_now:
            cp.log("boot: BootNotification again now (TriggerMessage)")
            return


def request(cp):
    """The payload, from config.json's vendor, model and serial_number."""
    settings = cp.settings
    payload = {
        "chargePointVendor": settings.get("vendor", "MicroOcppPy"),
        "chargePointModel": settings.get("model", cp.model),
        "firmwareVersion": version.VERSION,
    }
    if settings.get("serial_number"):
        payload["chargeBoxSerialNumber"] = settings["serial_number"]
    return payload


def answered(cp, conf):
    """The central system's answer: its clock, the registration; returns the interval."""
    cp.clock.sync(conf["currentTime"])
    cp.registration = conf["status"]
    cp.log("boot: %s, interval %d s" % (cp.registration, conf["interval"]))
    return conf["interval"]


def trigger(cp, connector_id):
    # Errata 3.35: once accepted, a triggered BootNotification is refused until the next boot.
    # Before, the boot loop above (waiting out a Pending interval) sends it at once.
    if cp.registration == "Accepted":
        return None

    async def now():
        cp.boot_now = True

    return now
