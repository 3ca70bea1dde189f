"""GetDiagnostics: upload the log on flash to a location (OCPP 1.6 section 5.9; the upload and
its rules: ocpp/model/diagnostics.py).

    {"location", "retries"?, "retryInterval"?, "startTime"?, "stopTime"?}
    ->  {"fileName": "diagnostics-CP_1-20261205T071500Z.log"}   the upload follows the answer
    ->  {}                                   nothing logged in that time, or an upload runs
"""
from ocpp.core import cache
from ocpp.core.clock import parse_iso


async def handle(cp, payload):
    if cp.diagnostics:
        cp.log("diagnostics: an upload is under way; this request is not taken")
        return {}
    if cp.logbook is not None:
        cp.logbook.flush()
    start, stop = _time(payload, "startTime"), _time(payload, "stopTime")
    try:
        if not cache.use("model.diagnostics").size(cp.store, start, stop):
            cp.log("diagnostics: nothing logged in that time")
            return {}
    finally:
        cache.done("model.diagnostics")
    stamp = cp.clock.iso().replace("-", "").replace(":", "")
    name = "diagnostics-%s-%s.log" % (cp.cp_id, stamp)
    location = payload["location"]
    url = location + name if location.endswith("/") else location
    retries = max(0, payload.get("retries") or 0)
    interval = max(0, payload.get("retryInterval") or 0)

    async def upload():
        try:
            await cache.use("model.diagnostics").upload(cp, url, retries, interval, start, stop)
        finally:
            cache.done("model.diagnostics")

    cp.diagnostics = "Uploading"  # from the answer on: a second request waits its turn
    return {"fileName": name}, upload


def _time(payload, key):
    return parse_iso(payload[key]) if payload.get(key) else None
