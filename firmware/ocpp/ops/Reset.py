"""Reset Soft or Hard: transactions stop first (reason SoftReset / HardReset), then the agent
restarts and boots again (OCPP 1.6 section 5.14). The queue gets a bounded moment to deliver
the StopTransactions before the restart (what it cannot send goes after the reboot, from flash):
a soft reset waits for the EV to stop drawing and up to _SOFT_WAIT_MS, a hard one opens at once
and waits up to _HARD_WAIT_MS.

    {"type": Hard | Soft}  ->  {"status": Accepted}

The board's reset itself (reboot(), the charge point's reset_board hook that start-up wires)
is tried again ResetRetries times when it fails (it raises, or returns); then the agent stops
and main.py tries once more.
"""
import asyncio
import time

from micropython import const

_SOFT_WAIT_MS = const(10000)
_HARD_WAIT_MS = const(3000)
_CLOSE_DELAY_MS = const(500)


async def handle(cp, payload):
    kind = payload["type"]

    async def restart():
        hard = kind == "Hard"
        for c in cp.connectors:
            await c.stop("HardReset" if hard else "SoftReset", graceful=not hard)
        waited = 0
        while len(cp.txq) and cp.online() and waited < (_HARD_WAIT_MS if hard else _SOFT_WAIT_MS):
            await asyncio.sleep_ms(100)
            waited += 100
        await shut_down(cp, kind, kind + " reset by the central system")

    return {"status": "Accepted"}, restart


async def shut_down(cp, kind, why):
    """With no transaction left: every contactor open and its state kept, the security event,
    the link closed, then the board reset ("Hard" or "Soft"). Also a firmware update's reboot
    (ocpp/model/firmware.py)."""
    for c in cp.connectors:
        c.evse.allow(False)
        c.evse.persist()
    cp.security_event("ResetOrReboot", why)
    # the central system gets a moment to take the answer (and what else is in flight)
    # before the link closes under it
    await cp.drop_link(why, _CLOSE_DELAY_MS)
    if cp.reset_board is not None:
        reboot(cp.reset_board, kind, cp.config.get("ResetRetries"), cp.log)
    cp.finish(kind)


def reboot(reset, kind, retries, log=print):
    """reset(hard=...) the board ("Hard" or "Soft"); a reset that raises or returns has failed:
    try again `retries` more times, a second apart (ResetRetries)."""
    for attempt in range(retries + 1):
        try:
            reset(hard=kind == "Hard")  # (does not return when it works)
            log("agent: %s reset returned" % kind)
        except Exception as e:
            log("agent: %s reset failed: %r" % (kind, e))
        if attempt < retries:
            time.sleep(1)
