"""Bringing the link up: the credentials to connect with, then registering with
BootNotification. Imported by chargepoint.py for the moment it runs (ocpp/lazy.py), so an
established link holds none of this code in the heap.
"""
import asyncio
import binascii

from micropython import const

from ocpp import rpc, ws

FIRMWARE_VERSION = "0.1.0"
_BOOT_RETRY_S = const(60)  # when the central system gives no interval (0) or fails the boot


def credentials(cp):
    """(headers, TLS context) for connecting charge point `cp` per its SecurityProfile:
    0 none, 1 HTTP Basic, 2 Basic over verified TLS, 3 TLS with a client certificate.
    Raises ValueError when the profile cannot be met (no password, no wss:// URL)."""
    profile = cp.config.get("SecurityProfile")
    headers = []
    if profile in (1, 2):
        pw = cp.config.auth_password()
        if pw is None:
            raise ValueError("security profile %d but no AuthorizationKey" % profile)
        # Authorization: Basic base64(<charge point id>:<password>)
        token = binascii.b2a_base64(cp.cp_id.encode() + b":" + pw).strip()
        headers.append(("Authorization", "Basic " + token.decode()))
    context = None
    if cp.url.startswith("wss://"):
        context = ws.tls_context(
            ca_der=_cert(cp, "ca_cert"),
            cert_der=_cert(cp, "client_cert") if profile == 3 else None,
            key_der=_cert(cp, "client_key") if profile == 3 else None)
    elif profile >= 2:
        raise ValueError("security profile %d needs a wss:// URL" % profile)
    cp.log("link: connecting to %s (security profile %d)" % (cp.url, profile))
    return headers, context


def _cert(cp, key):
    """A certificate or key named in config.json (`key`), as DER; PEM files are converted."""
    name = cp.settings.get(key)
    if not name:
        return None
    with open(name, "rb") as f:
        data = f.read()
    return ws.pem_to_der(data) if data.startswith(b"-----") else data


async def boot(cp):
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
