"""Is this idTag allowed to charge? The Local Authorization List, the Authorization Cache and
the online/offline rules (OCPP 1.6 sections 3.5 and 5.x; errata 3.4, 3.5, 3.23).

    authorize(idTag) -> idTagInfo {"status": ..., "parentIdTag": ..., "expiryDate": ...}
      "known": on the Local Authorization List (LocalAuthListEnabled), else in the cache
      (AuthorizationCacheEnabled): the list wins, and its idTags never enter the cache. An
      expiryDate that has passed makes a known Accepted idTag Expired.
      online + LocalPreAuthorize, known and Accepted -> at once, no Authorize.req (the
                                   specification's "without waiting for or requesting an
                                   Authorize.conf": StartTransaction.conf is the check)
      online                    -> Authorize.req; the answer is cached (an idTag on the list
                                   is not: an answer that differs from the list is a
                                   LocalListConflict, reported in a StatusNotification of
                                   connector 0 until the next list update)
      offline, known and not Accepted (Blocked, Expired, Invalid) -> that status: a revoked
                                   card never starts
      offline, known Accepted + LocalAuthorizeOffline -> Accepted
      offline, unknown (or known Accepted without LocalAuthorizeOffline)
               + AllowOfflineTxForUnknownId -> Accepted
      otherwise                 -> Invalid
The central system unreachable (no link, no answer in time, a CALLERROR) counts as offline.

The cache keeps the latest idTagInfo of every idTag seen in Authorize, StartTransaction and
StopTransaction answers, persisted (authcache.json), at most MAX_ENTRIES: an idTag seen again
moves to the end, and when full the one seen longest ago goes (least recently answered).
"""
import asyncio

from micropython import const

from ocpp.core import cache, rpc
from ocpp.core.clock import parse_iso

DOC = "authcache.json"
LIST_DOC = "locallist.json"  # ocpp/model/locallist.py's index
MAX_ENTRIES = const(32)
ACCEPTED = "Accepted"
CONFLICT = "LocalListConflict"


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

    def listed(self, id_tag):
        """The Local Authorization List's idTagInfo of `id_tag` with its expiry applied, or
        None (not on it, or the list is off)."""
        if not self.config.get("LocalAuthListEnabled") or not self.store.exists(LIST_DOC):
            return None  # (no list ever sent: the list's code is not even loaded)
        try:
            info = cache.use("model.locallist").lookup(self.store, id_tag)
        except OSError as e:
            self.log("auth: cannot read the local list: %r" % (e,))
            return None
        finally:
            cache.done("model.locallist")
        if info is not None:
            expiry = info.pop("expiryT", None)
            if expiry is not None:
                if info["status"] == ACCEPTED and expiry <= self.clock.now():
                    info["status"] = "Expired"
                info["expiryDate"] = self.clock.iso(expiry)
        return info

    def list_changed(self):
        """The list was updated: a LocalListConflict it had is over."""
        cp = self.cp
        if cp.error[0] == CONFLICT:
            cp.set_status(0, cp.status[0])

    def cached(self, id_tag):
        """The cached idTagInfo of `id_tag` with an expiry applied, or None."""
        if not self.config.get("AuthorizationCacheEnabled"):
            return None
        for tag, info in self.cache:
            if tag == id_tag:
                return self._expired(info)
        return None

    def remember(self, id_tag, info, listed=0):
        """Cache the latest idTagInfo the central system gave for `id_tag` (`listed`: its list
        entry, when the caller has it); one for an idTag on the list is compared with it."""
        if not id_tag or not info:
            return
        if listed == 0:
            listed = self.listed(id_tag)
        if listed is not None:
            if info.get("status") != listed["status"]:
                self.log("auth: LocalListConflict: the central system says %s for %s, the list "
                         "%s" % (info.get("status"), id_tag, listed["status"]))
                self.cp.set_status(0, self.cp.status[0], CONFLICT)
            return
        if not self.config.get("AuthorizationCacheEnabled"):
            return
        self.cache = [e for e in self.cache if e[0] != id_tag]
        self.cache.append([id_tag, info])
        del self.cache[:-MAX_ENTRIES]
        self._save()

    def clear(self):
        self.cache = []
        self._save()

    async def authorize(self, id_tag, online):
        """The idTagInfo for starting (or stopping) with `id_tag`."""
        listed = self.listed(id_tag)
        cached = listed or self.cached(id_tag)
        if online and cached and cached["status"] == ACCEPTED and \
                self.config.get("LocalPreAuthorize"):
            return cached
        if online:
            try:
                got = await cache.use("ops.Authorize").send(self.cp, id_tag)
                self.remember(id_tag, got, listed)
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
