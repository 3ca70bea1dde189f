"""SendLocalList: the central system replaces (Full) or changes (Differential) the Local
Authorization List (OCPP 1.6 sections 3.5 and 5.15, errata 3.52).

    {"listVersion": 4, "updateType": "Differential",
     "localAuthorizationList": [{"idTag": "04A2F1", "idTagInfo": {"status": "Blocked"}},
                                {"idTag": "77C0"}, ...]}        (no idTagInfo: delete)
    ->  {"status": Accepted | Failed | NotSupported | VersionMismatch}

  NotSupported     LocalAuthListEnabled is false
  Failed           listVersion 0 or below (errata 3.52: those mean "empty" and "not
                   supported"); more entries than SendLocalListMaxLength, or a resulting list
                   over LocalAuthListMaxLength; an idTag twice; an entry without idTagInfo in
                   a Full update; a flash error. The old list stays, whole.
  VersionMismatch  a Differential update whose listVersion is not above the list's (0 when
                   the list is empty, as GetLocalListVersion says)

A message over ws.STREAM_OVER bytes (a list of more than about 15 entries) is read as it
arrives (handle_stream): each entry is parsed and checked on its own (against the schema
tables when it is not a plain one) and packed into a 48-byte record of a Batch
(ocpp/model/locallist.py), so 255 entries cost the 12 KB batch, never the payload's 35 KB of
text or its objects. A shorter one comes whole, checked by the RPC layer (handle).
"""
import gc
import json

from ocpp.core import cache
from ocpp.core.clock import parse_iso
from ocpp.core.rpc import FORMATION_VIOLATION, CallError

_LIST = "localAuthorizationList"


async def handle(cp, payload):
    """A short SendLocalList, read whole and checked against the schema already."""
    if not cp.config.get("LocalAuthListEnabled"):
        return {"status": "NotSupported"}
    L = cache.use("model.locallist")
    try:
        batch = L.Batch(cp.config.get("SendLocalListMaxLength"))
        try:
            for entry in payload.get(_LIST) or ():
                batch.add(L.pack(entry))
        except L.Failed as e:
            return _failed(cp, e)
        return await _apply(cp, L, payload["listVersion"], payload["updateType"], batch)
    finally:
        cache.done("model.locallist")


async def handle_stream(cp, pieces):
    """A long SendLocalList, read as it arrives (ocpp/core/rpc/streamed.py)."""
    if not cp.config.get("LocalAuthListEnabled"):
        return {"status": "NotSupported"}  # the rest is drained unread
    L = cache.use("model.locallist")
    # the batch first (12 KB in one block for 255 entries), while the heap has such a block
    batch = _batch(L, cp.config.get("SendLocalListMaxLength"))
    scan = cache.use("core.jsonscan").Scanner(_LIST, tail="]")
    try:
        members = {}
        problem = failed = None
        i = 0
        while True:
            piece = await pieces.next()
            if piece is None:
                break
            try:
                got = scan.feed(piece)
            except ValueError as e:
                raise CallError(FORMATION_VIOLATION, "payload is not valid JSON: %s" % e)
            for name, text in got:
                value = _loads(text)
                if name is not None:
                    members[name] = value
                    continue
                if problem is None:  # the first bad entry is the one reported
                    if not _plain_entry(value, L.STATUSES):
                        problem = _validate({"listVersion": 1, "updateType": "Full",
                                             _LIST: [value]})
                        if problem:
                            problem = (problem[0], problem[1].replace("[0]", "[%d]" % i, 1))
                    if not problem and failed is None:
                        try:
                            batch.add(L.pack(value))
                        except L.Failed as e:
                            failed = e
                i += 1
        try:
            scan.end()
        except ValueError as e:
            raise CallError(FORMATION_VIOLATION, "payload is not valid JSON: %s" % e)
        if _LIST not in members:  # an array: its entries were checked one by one
            members[_LIST] = []
        if not problem and not _plain_members(members):
            problem = _validate(members)
        if problem:
            raise CallError(problem[0], problem[1])
        if failed is not None:
            return _failed(cp, failed)
        return await _apply(cp, L, members["listVersion"], members["updateType"], batch)
    finally:
        cache.done("core.jsonscan")
        cache.done("model.locallist")


# The schema tables (ocpp/core/validate) check what a plain entry or envelope does not pass:
# the common case costs their ~10 KB of loaded code nothing while 255 entries stream in, and
# anything else gets the very CALLERROR the short path gives.
def _plain_entry(e, statuses):
    if type(e) is not dict or type(e.get("idTag")) is not str or len(e["idTag"]) > 20:
        return False
    for k in e:
        if k != "idTag" and k != "idTagInfo":
            return False
    info = e.get("idTagInfo")
    if info is None:
        return True
    if type(info) is not dict or info.get("status") not in statuses[1:]:
        return False
    for k, v in info.items():
        if k == "parentIdTag":
            if type(v) is not str or len(v) > 20:
                return False
        elif k == "expiryDate":
            if type(v) is not str or parse_iso(v) is None:
                return False
        elif k != "status":
            return False
    return True


def _plain_members(m):
    return type(m.get("listVersion")) is int and m.get("updateType") in ("Full", "Differential") \
        and type(m[_LIST]) is list and len(m) == 3


def _validate(payload):
    try:
        return cache.use("core.validate").validate("SendLocalList", payload)
    finally:
        cache.done("core.validate")


def _batch(L, most):
    gc.collect()
    try:
        return L.Batch(most)
    except MemoryError:  # room from the cached modules, then once more
        cache.evict()
        return L.Batch(most)


def _loads(text):
    try:
        return json.loads(text)
    except ValueError:
        raise CallError(FORMATION_VIOLATION, "payload is not valid JSON: %s..." % text[:40])


async def _apply(cp, L, version, update_type, batch):
    full = update_type == "Full"
    if version <= 0:
        return _failed(cp, "listVersion %d: 0 and -1 are not list versions" % version)
    if batch.over:
        return _failed(cp, "%d entries: more than SendLocalListMaxLength (%d)" % (
            len(batch), batch.n))
    if full and batch.deletions:
        return _failed(cp, "a Full update with %d entries without idTagInfo" % batch.deletions)
    st = L.state(cp.store)
    current = st["version"] if st["count"] else 0
    if not full and version <= current:
        cp.log("local list: Differential version %d is not above %d" % (version, current))
        return {"status": "VersionMismatch"}
    try:
        count = await L.update(cp.store, version, full, batch,
                               cp.config.get("LocalAuthListMaxLength"))
    except L.Failed as e:
        return _failed(cp, e)
    cp.log("local list: version %d, %d entries (%s update of %d)" % (
        version, count, update_type, len(batch)))
    cp.auth().list_changed()
    return {"status": "Accepted"}


def _failed(cp, why):
    cp.log("local list: update Failed: %s; the old list stays" % (why,))
    return {"status": "Failed"}
