# ocpp/model/authorization.py: the online / offline rules for every combination of the keys
# (LocalAuthListEnabled, AuthorizationCacheEnabled, LocalPreAuthorize, LocalAuthorizeOffline,
# AllowOfflineTxForUnknownId), every state of the card on the Local Authorization List and in
# the cache, online and offline, against a decision table written here from OCPP 1.6 sections
# 3.5, 5.x and the errata; and the list's idTags kept out of the cache, with a LocalListConflict
# when the central system's answer differs from the list.
import asyncio

from mp_tmp import fresh_dir, rmtree
from ocpp.core import rpc
from ocpp.core.clock import Clock
from ocpp.core.config import Config
from store import Store

TAG = "CARD-1"
KEYS = ("AuthorizationCacheEnabled", "LocalPreAuthorize", "LocalAuthorizeOffline",
        "AllowOfflineTxForUnknownId", "LocalAuthListEnabled")
PAST, FUTURE = "2000-01-01T00:00:00Z", "2099-01-01T00:00:00Z"
CACHED = {  # what the cache holds for TAG
    "unknown": None,
    "accepted": {"status": "Accepted", "expiryDate": FUTURE},
    "expired": {"status": "Accepted", "expiryDate": PAST},
    "blocked": {"status": "Blocked"},
}


LISTED = CACHED  # what the Local Authorization List holds for TAG: the same four states


class FakeRpc:
    def __init__(self, answer):
        self.answer = answer  # idTagInfo status, or None: the link is down
        self.asked = 0

    async def call(self, action, payload):
        assert action == "Authorize" and payload == {"idTag": TAG}
        self.asked += 1
        if self.answer is None:
            raise rpc.NotConnected("down")
        return {"idTagInfo": {"status": self.answer}}


class FakeCp:
    def __init__(self, d, keys, answer):
        self.store = Store(d)
        self.config = Config(self.store, factory=keys, log=lambda m: None)
        self.clock = Clock()
        self.log = lambda m: None
        self.rpc = FakeRpc(answer)
        self.status, self.error = ["Available"], ["NoError"]

    def set_status(self, c, status, error="NoError"):
        self.status[c], self.error[c] = status, error


def expected(keys, lstate, cstate, online, answer):
    """(status, whether Authorize.req goes out), from the rules."""
    known = LISTED[lstate] if keys["LocalAuthListEnabled"] else None
    if known is None:  # the list wins over the cache
        known = CACHED[cstate] if keys["AuthorizationCacheEnabled"] else None
    valid = known is not None and known["status"] == "Accepted" and \
        known.get("expiryDate") != PAST
    if online and valid and keys["LocalPreAuthorize"]:
        return "Accepted", False
    if online:
        return answer, True
    if known is not None:
        if not valid:
            return "Expired" if known["status"] == "Accepted" else known["status"], False
        if keys["LocalAuthorizeOffline"]:
            return "Accepted", False
    return ("Accepted" if keys["AllowOfflineTxForUnknownId"] else "Invalid"), False


def list_dirs():
    """A store directory per state of TAG on the list (written through locallist.update)."""
    from ocpp.model import locallist as L

    dirs = {}
    for state, info in LISTED.items():
        d = fresh_dir("mp_auth_" + state) + "/"
        if info is not None:
            batch = L.Batch(1)
            batch.add(L.pack({"idTag": TAG, "idTagInfo": info}))
            asyncio.run(L.update(Store(d), 1, True, batch, 10))
        dirs[state] = d
    return dirs


def test_every_combination():
    from ocpp.model.authorization import Authorization

    dirs = list_dirs()
    checked = 0
    try:
        for bits in range(32):
            keys = {k: bool(bits >> i & 1) for i, k in enumerate(KEYS)}
            for lstate in LISTED:
                for cstate in CACHED:
                    for online, answer in ((True, "Accepted"), (True, "Blocked"), (False, None)):
                        Store(dirs[lstate]).remove("authcache.json")
                        cp = FakeCp(dirs[lstate], keys, answer)
                        auth = Authorization(cp)
                        auth.cache = [[TAG, dict(CACHED[cstate])]] if CACHED[cstate] else []
                        got = asyncio.run(auth.authorize(TAG, online))
                        want, asked = expected(keys, lstate, cstate, online, answer)
                        case = (keys, lstate, cstate, online, answer, got, want, asked)
                        assert (got["status"], cp.rpc.asked > 0) == (want, asked), case
                        listed = keys["LocalAuthListEnabled"] and LISTED[lstate]
                        if asked:
                            # an answer is cached unless the idTag is on the list; one that
                            # differs from the list is a conflict
                            saved = Store(dirs[lstate]).read_json("authcache.json", [])
                            in_cache = [e for e in saved if e[0] == TAG and
                                        e[1]["status"] == answer]
                            assert bool(in_cache) == (not listed and
                                                      keys["AuthorizationCacheEnabled"]), case
                            status = listed and ("Expired" if listed.get("expiryDate") == PAST
                                                 else listed["status"])
                            conflict = bool(listed) and status != answer
                            assert (cp.error[0] == "LocalListConflict") == conflict, case
                        else:
                            assert cp.error[0] == "NoError", case
                        checked += 1
    finally:
        for d in dirs.values():
            rmtree(d.rstrip("/"))
    assert checked == 32 * 4 * 4 * 3


def test_a_link_that_fails_mid_authorize_decides_offline():
    from ocpp.model.authorization import Authorization

    d = fresh_dir("mp_auth")
    try:
        cp = FakeCp(d + "/", {"AuthorizationCacheEnabled": True, "LocalAuthorizeOffline": True},
                    None)
        auth = Authorization(cp)
        auth.cache = [[TAG, {"status": "Accepted"}]]
        got = asyncio.run(auth.authorize(TAG, True))  # online, but the call cannot go out
        assert got["status"] == "Accepted" and cp.rpc.asked == 1
    finally:
        rmtree(d)


def test_the_cache_is_bounded_least_recently_answered_goes_first_and_persists():
    from ocpp.model import authorization as A

    d = fresh_dir("mp_auth")
    try:
        cp = FakeCp(d + "/", {"AuthorizationCacheEnabled": True}, None)
        auth = A.Authorization(cp)
        for i in range(A.MAX_ENTRIES):
            auth.remember("T%d" % i, {"status": "Accepted"})
        auth.remember("T0", {"status": "Blocked"})  # answered again: now the most recent
        auth.remember("NEW", {"status": "Accepted"})  # full: the one answered longest ago goes
        again = A.Authorization(FakeCp(d + "/", {"AuthorizationCacheEnabled": True}, None))
        assert len(again.cache) == A.MAX_ENTRIES
        assert again.cached("T1") is None and again.cached("T0")["status"] == "Blocked"
        assert again.cached("NEW")["status"] == "Accepted" and again.cached("T2") is not None
        again.clear()
        assert A.Authorization(cp).cache == []
    finally:
        rmtree(d)
