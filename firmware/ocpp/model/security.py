"""Security events (security whitepaper ed. 3, A04 and section 8): every event goes into the
security log on flash, and the critical ones to the central system as a
SecurityEventNotification, queued on flash with the transaction messages
(ocpp/model/txqueue.py) so that one raised offline goes after the reconnect. Loaded when an
event happens.

    security.log     "<epoch seconds> <type> <techInfo>" per line; security.1.log before it
                     (rolled like the diagnostics log, logbook.py), kept across reboots

Events raised: StartupOfTheDevice (each start), ResetOrReboot (a Reset, a firmware update's
reboot), FirmwareUpdated (a new bundle confirmed), ReconfigurationOfSecurityParameters
(SecurityProfile or AuthorizationKey changed, never with the key),
FailedToAuthenticateAtCentralSystem (the central system answered the connection 401),
InvalidCentralSystemCertificate (its TLS certificate did not verify), SettingSystemTime (the
central system's time moved the clock by a minute or more), MemoryExhaustion (a message's
work did not fit in the heap), InvalidChargePointCertificate (CertificateSigned refused),
InvalidFirmwareSigningCertificate and InvalidFirmwareSignature (SignedUpdateFirmware
refused).
"""
from micropython import const

NAME = "security.log"
OLD = "security.1.log"
_SIZE = const(16384)
_QUIET = ("MemoryExhaustion",)
_QUIET_S = const(60)
# critical: sent to the central system (section 8's table); the others are only logged
CRITICAL = ("FirmwareUpdated", "SettingSystemTime", "StartupOfTheDevice", "ResetOrReboot",
            "SecurityLogWasCleared", "MemoryExhaustion", "TamperDetectionActivated")


def event(cp, kind, tech=None):
    """Log security event `kind` (with techInfo `tech`, at most 255 characters) and, when it
    is critical and a central system is configured, queue its SecurityEventNotification.
    MemoryExhaustion is kept once a minute: a burst of failing messages must not fill the
    queue and wear the flash."""
    from logbook import append

    now = cp.clock.now()
    if kind in _QUIET:
        last = cp.event_times.get(kind)
        if last is not None and 0 <= now - last < _QUIET_S:
            cp.log("security event: %s again (not kept: once a minute)" % kind)
            return
        cp.event_times[kind] = now
    tech = tech[:255] if tech else None
    append(cp.store, NAME, OLD, _SIZE, ("%d %s %s\n" % (now, kind, tech or "")).encode())
    cp.log("security event: %s%s" % (kind, " (%s)" % tech if tech else ""))
    if kind in CRITICAL and cp.url is not None:
        from ocpp.core import cache

        try:
            payload = cache.use("ops.SecurityEventNotification").request(
                kind, cp.clock.iso(now), tech)
        finally:
            cache.done("ops.SecurityEventNotification")
        cp.txq.push("SecurityEventNotification", payload)
