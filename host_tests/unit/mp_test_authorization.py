# ocpp/model/authorization.py: the online / offline rules for every combination of the keys
# (AuthorizationCacheEnabled, LocalPreAuthorize, LocalAuthorizeOffline,
# AllowOfflineTxForUnknownId), every state of the card in the cache, online and offline, against
# a decision table written here from OCPP 1.6 sections 3.5, 5.x and the errata.
import asyncio

from mp_tmp import fresh_dir, rmtree
from ocpp.core import rpc
from ocpp.core.clock import Clock
from ocpp.core.config import Config
from store import Store

TAG = "CARD-1"
KEYS = ("AuthorizationCacheEnabled", "LocalPreAuthorize", "LocalAuthorizeOffline",
        "AllowOfflineTxForUnknownId")
PAST, FUTURE = "2000-01-01T00:00:00Z", "2099-01-01T00:00:00Z"
CACHED = {  # what the cache holds for TAG
    "unknown": None,
    "accepted": {"status": "Accepted", "expiryDate": FUTURE},
    "expired": {"status": "Accepted", "expiryDate": PAST},
    "blocked": {"status": "Blocked"},
}


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


def expected(keys, state, online, answer):
    """(status, whether Authorize.req goes out), from the rules."""
    cached = CACHED[state] if keys["AuthorizationCacheEnabled"] else None
    valid = cached is not None and cached["status"] == "Accepted" and \
        cached.get("expiryDate") != PAST
    if valid and keys["LocalPreAuthorize"]:
        return "Accepted", False
    if online:
        return answer, True
    if cached is not None:
        if not valid:
            return "Expired" if cached["status"] == "Accepted" else cached["status"], False
        if keys["LocalAuthorizeOffline"]:
            return "Accepted", False
    return ("Accepted" if keys["AllowOfflineTxForUnknownId"] else "Invalid"), False


def test_every_combination():
    from ocpp.model.authorization import Authorization

    d = fresh_dir("mp_auth")
    checked = 0
    try:
        for bits in range(16):
            keys = {k: bool(bits >> i & 1) for i, k in enumerate(KEYS)}
            for state in CACHED:
                for online, answer in ((True, "Accepted"), (True, "Blocked"), (False, None)):
                    rmtree(d)
                    d = fresh_dir("mp_auth")
                    cp = FakeCp(d + "/", keys, answer)
                    auth = Authorization(cp)
                    if CACHED[state] is not None:
                        auth.cache = [[TAG, dict(CACHED[state])]]
                    got = asyncio.run(auth.authorize(TAG, online))
                    want, asked = expected(keys, state, online, answer)
                    assert (got["status"], cp.rpc.asked > 0) == (want, asked), \
                        (keys, state, online, answer, got, want, asked)
                    checked += 1
    finally:
        rmtree(d)
    assert checked == 16 * 4 * 3


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
