"""UpdateFirmware: a new application bundle, downloaded, checked, installed into the inactive
slot and run after a reboot, with an automatic way back (OCPP 1.6 sections 4.5, 5.19; errata
3.63). Loaded while an update is under way (ocpp/core/cache.py).

The update file is a bundle packed by tools/bundle.py --pack: a head line, then per file a line
"<size> <sha256> <path>" and its bytes, then "end". It is streamed to flash in 1 KB blocks
(fw.part, renamed fw.bin once whole and checked), never held in RAM.

    waiting      until retrieveDate (the job is on flash: fwupdate.json; a reboot resumes it)
    Downloading  GET over http or https (the server verified like the central system), with
                 `retries` more attempts `retryInterval` s apart; then every file's SHA-256
    Downloaded   (or DownloadFailed: the job ends, nothing changed)
                 new transactions wait, idle connectors show Unavailable, running
                 transactions go on to their end
    Installing   the files written into the inactive slot (app0/ or app1/), each checked
                 again; then boot.json says run it (one atomic write), and the board resets
    Installed    after the reboot, once the new bundle's BootNotification is accepted: it is
                 confirmed (boot.json good); the job ends
    InstallationFailed  a bad bundle (another board, a digest that differs, a flash error),
                 or a new bundle that did not confirm itself: main.py goes back to the slot
                 that was good after MAX_TRIES boots, and a trial boot that is not accepted
                 within CONFIRM_S resets itself, which counts as one

SignedUpdateFirmware (security whitepaper L01) runs the same job with a requestId, reported
by SignedFirmwareStatusNotification: after Downloaded, the signature over the whole file is
checked with the signing certificate's key (RSA-PSS, RSA PKCS#1 v1.5 or ECDSA P-256, SHA-256;
the certificate checked again against the installed ManufacturerRootCertificate):
SignatureVerified, or InvalidSignature (an InvalidFirmwareSignature security event; nothing
installed); InstallScheduled until installDateTime; InstallRebooting before the reset.

A power cut at any moment leaves a bootable charger: until boot.json changes the old bundle
runs; after, the new one runs or main.py goes back. The job resumes after any reboot.
FTP and other schemes: DownloadFailed, with a log line saying http and https only.
"""
import asyncio
import hashlib

import store_files
from micropython import const

from ocpp.core import cache

JOB = "fwupdate.json"
BOOT = "boot.json"
_PART = "fw.part"
_FILE = "fw.bin"
_BLOCK = const(1024)
CONFIRM_S = const(300)  # a trial boot not accepted by then resets (config.json update_confirm_s)
SLOTS = ("app0", "app1")


class Bad(Exception):
    """The bundle cannot be installed (InstallationFailed)."""


def schedule(cp, url, at, retries, interval, signed=None):
    """UpdateFirmware: remember the job on flash and run it (replacing one not started).
    SignedUpdateFirmware adds `signed`: {"req": requestId, "sig": the signature (base64),
    "cert": the signing certificate (PEM), "install_at": installDateTime or None}."""
    job = {"url": url, "at": at, "retries": retries, "interval": interval, "state": "waiting"}
    if signed:
        job.update(signed)
    cp.store.write_json(JOB, job)
    cp.log("firmware: %supdate from %s scheduled" % ("signed " if signed else "", url[:80]))


def under_way(cp):
    """Whether an update job is on flash (a new request then replaces it)."""
    return cp.store.exists(JOB)


def request_id(cp):
    """The requestId of the SignedUpdateFirmware under way, or None."""
    job = cp.store.read_json(JOB)
    return job.get("req") if isinstance(job, dict) else None


def start(cp):
    """Run the job just scheduled as the update task, in place of one under way (an
    installation already writing its slot is let finish: boot.json changes only once it is
    whole)."""
    old = cp.firmware_task
    if old is not None and cp.firmware != "Installing":
        old.cancel()
    # the task's coroutine keeps this module's code alive while it runs, cached or not
    cp.firmware_task = asyncio.create_task(resume(cp))


async def resume(cp):
    """Run the job on flash (started by ChargePoint.run() when there is one)."""
    job = cp.store.read_json(JOB)
    if not isinstance(job, dict):
        cp.store.remove(JOB)
        return
    if job.get("state") == "rebooting":
        await _after_reboot(cp, job)
    else:
        await _run(cp, job)


async def _run(cp, job):
    wait = job["at"] - cp.clock.now()
    if wait > 0:
        cp.log("firmware: download in %d s" % wait)
        await asyncio.sleep(wait)
    await _status(cp, job, "Downloading")
    if not await _download(cp, job):
        cp.store.remove(JOB)
        await _status(cp, job, "DownloadFailed")
        return
    await _status(cp, job, "Downloaded")
    if "req" in job:
        if not await _verify(cp, job):
            _end(cp)
            await _status(cp, job, "InvalidSignature")
            return
        await _status(cp, job, "SignatureVerified")
        wait = (job.get("install_at") or 0) - cp.clock.now()
        if wait > 0:
            await _status(cp, job, "InstallScheduled")
            await asyncio.sleep(wait)
    cp.updating = True
    for c in cp.connectors:
        if c.tx is None:
            c.availability_changed()  # idle ones show Unavailable; none starts
    while any(c.tx is not None for c in cp.connectors):
        await asyncio.sleep(1)  # a running transaction goes on to its end
    await _status(cp, job, "Installing")
    try:
        slot = await _install(cp)
    except (Bad, OSError) as e:
        cp.log("firmware: installation failed: %s" % (str(e) or repr(e)))
        _end(cp)
        cp.updating = False
        for c in cp.connectors:
            c.availability_changed()
        await _status(cp, job, "InstallationFailed")
        return
    if "req" in job:
        await _status(cp, job, "InstallRebooting")
    job["state"], job["slot"] = "rebooting", slot
    cp.store.write_json(JOB, job)
    cp.log("firmware: installed into %s/; rebooting into it" % slot)
    try:
        await cache.use("ops.Reset").shut_down(cp, "Hard", "into the firmware update in %s/" % slot)
    finally:
        cache.done("ops.Reset")


async def _download(cp, job):
    url, retries = job["url"], max(0, job.get("retries") or 0)
    http = cache.use("core.http")
    try:
        for attempt in range(retries + 1):
            if attempt:
                await asyncio.sleep(max(0, job.get("interval") or 0))
            try:
                await _get(cp, http, url)
                _check(cp, _PART)
                cp.store.rename(_PART, _FILE)
                cp.log("firmware: downloaded %d bytes" % cp.store.size(_FILE))
                return True
            except http.Unsupported as e:
                cp.log("firmware: cannot download %s: %s" % (url[:80], e))
                return False
            except Exception as e:  # HttpError, OSError, a timeout, a bad file: again
                cp.log("firmware: download %d of %d failed: %s"
                       % (attempt + 1, retries + 1, str(e) or repr(e)))
        return False
    finally:
        cp.store.remove(_PART)
        cache.done("core.http")


async def _get(cp, http, url):
    try:
        context = cache.use("model.credentials").server_context(cp, url)
    finally:
        cache.done("model.credentials")
    resp = await http.request("GET", url, ssl=context, name_server=cp.name_server())
    buf = bytearray(_BLOCK)
    mv = memoryview(buf)
    try:
        with store_files.open_file(cp.store, _PART, "wb") as f:
            while True:
                n = await resp.readinto(mv)
                if not n:
                    break
                f.write(mv[:n])
    finally:
        await resp.close()


class _Reader:
    """The packed bundle on flash, read line by line and in blocks."""

    def __init__(self, f):
        self.f = f

    def line(self):
        text = self.f.readline()
        if not text.endswith(b"\n") or len(text) > 300:
            raise Bad("the bundle is cut short or malformed")
        return text[:-1].decode()

    def head(self):
        parts = self.line().split()
        if len(parts) != 5 or parts[0] != "ocpp-mpy-bundle" or parts[1] != "1":
            raise Bad("not a bundle packed by tools/bundle.py")
        return parts[2], parts[3], int(parts[4])

    def entry(self):
        parts = self.line().split(" ", 2)
        if len(parts) != 3 or not parts[0].isdigit() or len(parts[1]) != 64:
            raise Bad("a malformed file entry")
        path = parts[2]
        if path.startswith("/") or ".." in path.split("/") or not path:
            raise Bad("a file outside the slot: %s" % path[:60])
        return int(parts[0]), parts[1], path

    def copy(self, size, digest, out=None):
        """Read the file's bytes (to `out`), checking its digest."""
        h = hashlib.sha256()
        buf = bytearray(_BLOCK)
        mv = memoryview(buf)
        left = size
        while left:
            n = self.f.readinto(mv[:min(left, _BLOCK)])
            if not n:
                raise Bad("the bundle is cut short")
            h.update(mv[:n])
            if out is not None:
                out.write(mv[:n])
            left -= n
        got = "".join("%02x" % b for b in h.digest())
        if got != digest:
            raise Bad("a file's SHA-256 differs from the bundle's list")


def _check(cp, name):
    """Every file of the bundle in `name` present and matching its digest (a download that
    fails this is tried again)."""
    with store_files.open_file(cp.store, name) as f:
        r = _Reader(f)
        board, version, count = r.head()
        for _ in range(count):
            size, digest, _ = r.entry()
            r.copy(size, digest)
        if r.line() != "end":
            raise Bad("no end line after %d files" % count)
    cp.log("firmware: bundle %s for %s, %d files, checked" % (version, board, count))


async def _install(cp):
    """Unpack fw.bin into the inactive slot; boot.json then runs it. -> the slot."""
    boot = cp.store.read_json(BOOT) or {}
    good = boot.get("good")
    slot = SLOTS[1] if good == SLOTS[0] else SLOTS[0]
    store_files.rmtree(cp.store, slot)
    store_files.mkdir(cp.store, slot)
    with store_files.open_file(cp.store, _FILE) as f:
        r = _Reader(f)
        board, version, count = r.head()
        if board != cp.model:
            raise Bad("a bundle for %s, not %s" % (board, cp.model))
        for _ in range(count):
            size, digest, path = r.entry()
            if "/" in path:
                store_files.mkdir(cp.store, slot + "/" + path.rsplit("/", 1)[0])
            with store_files.open_file(cp.store, slot + "/" + path, "wb") as out:
                r.copy(size, digest, out)
            await asyncio.sleep_ms(0)  # a file at a time: the loop keeps running
        if r.line() != "end":
            raise Bad("no end line after %d files" % count)
    cp.store.write_json(BOOT, {"run": slot, "good": good, "tries": 0})
    cp.store.remove(_FILE)
    cp.log("firmware: bundle %s written into %s/" % (version, slot))
    return slot


async def _after_reboot(cp, job):
    """The reset happened: which bundle runs, and does it work?"""
    boot = cp.store.read_json(BOOT) or {}
    slot = job.get("slot")
    trial = boot.get("run") == slot and boot.get("good") != slot
    waited = 0
    limit = cp.settings.get("update_confirm_s", CONFIRM_S)
    while cp.registration != "Accepted":
        await asyncio.sleep(1)
        waited += 1
        if trial and waited >= limit:
            cp.log("firmware: the new bundle was not accepted within %d s; resetting" % limit)
            cp.finish("Hard")  # main.py counts the boot; after MAX_TRIES it goes back
            return
    if trial:
        boot["good"], boot["tries"] = slot, 0
        cp.store.write_json(BOOT, boot)
        cp.log("firmware: the bundle in %s/ is confirmed" % slot)
        cp.security_event("FirmwareUpdated", "the bundle in %s/" % slot)
        _end(cp)
        await _status(cp, job, "Installed")
        return
    if boot.get("failed") == slot:
        boot["failed"] = None
        cp.store.write_json(BOOT, boot)
        cp.log("firmware: the bundle in %s/ failed to start; the one before runs" % slot)
    _end(cp)
    await _status(cp, job, "InstallationFailed")


def _end(cp):
    cp.store.remove(JOB)
    cp.store.remove(_FILE)


async def _status(cp, job, status):
    # What a trigger gets: the status while the job runs, Idle once it ended. A signed update
    # reports with SignedFirmwareStatusNotification and its requestId.
    cp.firmware = None if status in _FINAL else status
    if "req" in job:
        await cp.send_quietly("SignedFirmwareStatusNotification", status, job["req"])
    else:
        await cp.send_quietly("FirmwareStatusNotification", status)


_FINAL = ("DownloadFailed", "InstallationFailed", "Installed", "InvalidSignature")


async def _verify(cp, job):
    """The signature of the whole downloaded file, by the signing certificate's key (checked
    again against the installed ManufacturerRootCertificate). False: InvalidFirmwareSignature
    security event."""
    import binascii

    h = hashlib.sha256()
    buf = bytearray(_BLOCK)
    mv = memoryview(buf)
    with store_files.open_file(cp.store, _FILE) as f:
        while True:
            n = f.readinto(mv)
            if not n:
                break
            h.update(mv[:n])
    digest = h.digest()
    try:
        key = await cache.use("model.certificates").check_signing(cp, job["cert"])
    finally:
        cache.done("model.certificates")
    ok = False
    if not isinstance(key, str):
        try:
            sig = binascii.a2b_base64(job["sig"])
        except ValueError:
            sig = b""
        try:
            ok = await cache.use("core.pki.x509").check(key, None, sig, digest)
        finally:
            cache.done("core.pki.x509")
        why = "the signature does not match the file"
    else:
        why = key
    if ok:
        cp.log("firmware: signature verified")
    else:
        cp.log("firmware: signature refused: %s" % why)
        cp.security_event("InvalidFirmwareSignature", why)
    return ok
