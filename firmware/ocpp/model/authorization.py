"""Is this idTag allowed to charge? The Authorization Cache and the online/offline rules
(OCPP 1.6 sections 3.5 and 5.x; errata 3.4, 3.5, 3.23).

    authorize(idTag) -> idTagInfo {"status": ..., "parentIdTag": ..., "expiryDate": ...}
      LocalPreAuthorize and a valid cached entry -> at once, no Authorize.req
      online                                   -> Authorize.req; the answer is cached
      offline, cached and not Accepted (Blocked, Expired, Invalid) -> that status: a revoked
                                                  card never starts
      offline, cached Accepted + LocalAuthorizeOffline -> Accepted
      offline, unknown (or cached Accepted without LocalAuthorizeOffline)
               + AllowOfflineTxForUnknownId    -> Accepted
      otherwise                                -> Invalid

The cache (AuthorizationCacheEnabled) keeps the latest idTagInfo of every idTag seen in
Authorize, StartTransaction and StopTransaction answers, persisted, at most _MAX_ENTRIES; when full
the oldest entry goes.
"""
import asyncio

from micropython import const

from ocpp.core import cache, rpc
from ocpp.core.clock import parse_iso

DOC = "authcache.json"
_MAX_ENTRIES = const(32)
ACCEPTED = "Accepted"


class Authorization:
    """The rules for charge point ``cp`` (its store, configuration, clock and link)."""

    def __init__(self, cp):
        self.cp = cp
        self.store = cp.store
        self.config = cp.config
        self.clock = cp.clock
        self.log = cp.log
        entries = cp.store.read_json(DOC, [])
        # [[idTag, idTagInfo], ...] oldest first
        self.cache = entries if isinstance(entries, list) else []

    def cached(self, id_tag):
        """The cached idTagInfo of `id_tag` with an expiry applied, or None."""
        if not self.config.get("AuthorizationCacheEnabled"):
            return None
        for tag, info in self.cache:
            if tag == id_tag:
                return self._expired(info)
        return None

    def remember(self, id_tag, info):
        """Cache the latest idTagInfo the central system gave for `id_tag`."""
        if not self.config.get("AuthorizationCacheEnabled") or not id_tag or not info:
            return
        self.cache = [e for e in self.cache if e[0] != id_tag]
        self.cache.append([id_tag, info])
        del self.cache[:-_MAX_ENTRIES]
        self._save()

    def clear(self):
        self.cache = []
        self._save()

    async def authorize(self, id_tag, online):
        """The idTagInfo for starting (or stopping) with `id_tag`."""
        cached = self.cached(id_tag)
        if cached and cached["status"] == ACCEPTED and self.config.get("LocalPreAuthorize"):
            return cached
        if online:
            try:
                got = await cache.use("ops.Authorize").send(self.cp, id_tag)
                self.remember(id_tag, got)
                return self._expired(got)
            except (rpc.NotConnected, asyncio.TimeoutError):
                pass  # decide as offline
            except rpc.CallError as e:
                self.log("auth: Authorize failed (%s); deciding offline" % e.code)
        if cached:
            if cached["status"] != ACCEPTED:
                return cached  # a blocked, expired or invalid card never starts offline
            if self.config.get("LocalAuthorizeOffline"):
                return cached
            # not to be used offline: the card counts as unknown
        if self.config.get("AllowOfflineTxForUnknownId"):
            return {"status": ACCEPTED}
        return {"status": "Invalid"}

    def _expired(self, info):
        expiry = info.get("expiryDate")
        if info.get("status") == ACCEPTED and expiry:
            t = parse_iso(expiry)
            if t is not None and t <= self.clock.now():
                info = dict(info)
                info["status"] = "Expired"
        return info

    def _save(self):
        try:
            self.store.write_json(DOC, self.cache)
        except OSError as e:
            self.log("auth: cannot save the cache: %r" % (e,))
