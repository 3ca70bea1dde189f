"""Uploading a log: GetDiagnostics (OCPP 1.6 sections 4.4 and 5.9) and GetLog (security
whitepaper N01). The lines of a log on flash (the diagnostics log, logbook.py: diag.1.log
then diag.log; the security log, ocpp/model/security.py) whose time is within [start, stop],
sent by HTTP PUT, with `retries` more attempts `retryInterval` seconds apart.

    location ending in "/"   PUT <location><fileName>
    any other location       PUT <location> as given
    ftp:// and others        UploadFailed, with a log line saying why (http and https only)

GetDiagnostics reports with DiagnosticsStatusNotification: Uploading, then Uploaded or
UploadFailed; Idle only when a TriggerMessage asks while nothing is under way
(cp.diagnostics is the status while one is). GetLog reports with LogStatusNotification
(ops/GetLog.py).
Lines logged before the clock was set carry the board's own time and may fall outside a
range. Loaded for a GetDiagnostics and its upload.
"""
import asyncio

import store_files
from ocpp.core import cache

DIAGNOSTICS = ("diag.1.log", "diag.log")
SECURITY = ("security.1.log", "security.log")


def lines(store, start=None, stop=None, files=DIAGNOSTICS):
    """The log's lines (bytes, oldest first) whose time is within [start, stop] (None: open)."""
    for name in files:
        try:
            f = store_files.open_file(store, name)
        except OSError:
            continue
        with f:
            while True:
                line = f.readline()
                if not line:
                    break
                if start is not None or stop is not None:
                    try:
                        t = int(line[:line.index(b" ")])
                    except ValueError:
                        continue  # a line torn by a power cut
                    if (start is not None and t < start) or (stop is not None and t > stop):
                        continue
                yield line


def size(store, start=None, stop=None, files=DIAGNOSTICS):
    """Bytes of those lines (0: nothing to upload)."""
    n = 0
    for line in lines(store, start, stop, files):
        n += len(line)
    return n


async def _diagnostics_status(cp, done):
    status = "Uploading" if done is None else "Uploaded" if done else "UploadFailed"
    cp.diagnostics = "Uploading" if done is None else None
    await cp.send_quietly("DiagnosticsStatusNotification", status)


async def upload(cp, url, retries, interval, start, stop, files=DIAGNOSTICS,
                 report=_diagnostics_status):
    """Upload the lines in [start, stop] to `url`, retrying. `report(cp, done)` tells how it
    goes: done None (uploading), True (uploaded) or False (failed)."""
    await report(cp, None)
    done = False
    try:
        cache.use("core.http").parse(url)
    except Exception as e:  # ValueError: not a URL; http.Unsupported: ftp:// and others
        cp.log("diagnostics: cannot upload to %s: %s" % (url[:80], e))
        retries = -1
    finally:
        cache.done("core.http")
    for attempt in range(retries + 1):
        if attempt:
            await asyncio.sleep(interval)
        try:
            await _put(cp, url, start, stop, files)
            done = True
            break
        except Exception as e:  # HttpError, OSError, a timeout: the next attempt
            cp.log("diagnostics: upload %d of %d to %s failed: %r"
                   % (attempt + 1, retries + 1, url[:80], e))
    cp.log("diagnostics: %s" % ("uploaded to " + url[:80] if done else "upload failed"))
    await report(cp, done)


async def _put(cp, url, start, stop, files):
    try:
        context = cache.use("model.credentials").server_context(cp, url)
    finally:
        cache.done("model.credentials")
    http = cache.use("core.http")
    try:
        length = size(cp.store, start, stop, files)
        resp = await http.request("PUT", url, body=lines(cp.store, start, stop, files),
                                  length=length,
                                  ssl=context, name_server=cp.name_server(),
                                  content_type="text/plain")
        await resp.close()
        cp.log("diagnostics: %d bytes, answered %d" % (length, resp.status))
    finally:
        cache.done("core.http")
