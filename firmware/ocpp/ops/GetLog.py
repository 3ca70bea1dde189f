"""GetLog (security whitepaper N01): upload the diagnostics log or the security log
(ocpp/model/diagnostics.py does the upload; the logs: logbook.py, ocpp/model/security.py).

    {"logType": DiagnosticsLog | SecurityLog, "requestId", "retries"?, "retryInterval"?,
     "log": {"remoteLocation", "oldestTimestamp"?, "latestTimestamp"?}}
    -> {"status": Accepted, "filename": "securitylog-CP_1-20261205T081500Z.log"}
    -> {"status": AcceptedCanceled, ...}   an upload under way was cancelled for this one
    -> {"status": Rejected}                nothing logged in that time
LogStatusNotification with the requestId follows: Uploading, then Uploaded or UploadFailure
(the enum's spelling; N01.FR.10's text says UploadFailed). PUT to remoteLocation + filename
when it ends in "/", else to remoteLocation as given.
"""
import asyncio

from ocpp.core import cache
from ocpp.core.clock import parse_iso


async def handle(cp, payload):
    log = payload["log"]
    files_name = "SECURITY" if payload["logType"] == "SecurityLog" else "DIAGNOSTICS"
    if cp.logbook is not None:
        cp.logbook.flush()
    start, stop = _time(log, "oldestTimestamp"), _time(log, "latestTimestamp")
    try:
        d = cache.use("model.diagnostics")
        files = getattr(d, files_name)
        empty = not d.size(cp.store, start, stop, files)
    finally:
        cache.done("model.diagnostics")
    if empty:
        cp.log("GetLog: nothing logged in that time")
        return {"status": "Rejected"}
    status = "Accepted"
    running = cp.getlog
    if running is not None:
        if running[0] is not None:
            running[0].cancel()
        cp.log("GetLog: request %d cancelled for request %d" % (running[1], payload["requestId"]))
        status = "AcceptedCanceled"
    stamp = cp.clock.iso().replace("-", "").replace(":", "")
    name = "%s-%s-%s.log" % ("securitylog" if files_name == "SECURITY" else "diagnostics",
                             cp.cp_id, stamp)
    location = log["remoteLocation"]
    url = location + name if location.endswith("/") else location
    request_id = payload["requestId"]
    retries = max(0, payload.get("retries") or 0)
    interval = max(0, payload.get("retryInterval") or 0)

    async def report(cp, done):
        status = "Uploading" if done is None else "Uploaded" if done else "UploadFailure"
        await cp.send_quietly("LogStatusNotification", status, request_id)

    async def upload():
        try:
            await cache.use("model.diagnostics").upload(cp, url, retries, interval, start, stop,
                                                        files, report)
        finally:
            cache.done("model.diagnostics")
            if cp.getlog is not None and cp.getlog[1] == request_id:
                cp.getlog = None

    async def start_upload():
        cp.getlog = [asyncio.create_task(upload()), request_id]

    cp.getlog = [None, request_id]  # the task starts after the answer
    return {"status": status, "filename": name}, start_upload


def _time(log, key):
    return parse_iso(log[key]) if log.get(key) else None
