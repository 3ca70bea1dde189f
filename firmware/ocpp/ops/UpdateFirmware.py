"""UpdateFirmware: install a new application bundle from a location, from retrieveDate on
(OCPP 1.6 section 5.19; the job and its rules: ocpp/model/firmware.py).

    {"location", "retrieveDate", "retries"?, "retryInterval"?}  ->  {}
A new request replaces one under way (its download is dropped; an installation already
writing its slot is not interrupted: boot.json changes only once it is whole).
"""
from ocpp.core import cache
from ocpp.core.clock import parse_iso


async def handle(cp, payload):
    at = parse_iso(payload["retrieveDate"]) or cp.clock.now()
    try:
        cache.use("model.firmware").schedule(cp, payload["location"], at,
                                             max(0, payload.get("retries") or 0),
                                             max(0, payload.get("retryInterval") or 0))
    finally:
        cache.done("model.firmware")

    async def start():
        try:
            cache.use("model.firmware").start(cp)
        finally:
            cache.done("model.firmware")

    return {}, start
