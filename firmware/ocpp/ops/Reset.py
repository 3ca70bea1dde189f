"""Reset Soft or Hard: transactions stop first (SoftReset / HardReset), then the agent restarts
and boots again (OCPP 1.6 section 5.14). A soft reset waits a little for its StopTransaction to
be delivered; a hard one leaves it queued on flash for after the reboot."""
import asyncio


async def handle(cp, payload):
    kind = payload["type"]

    async def restart():
        hard = kind == "Hard"
        await cp.connector.stop("HardReset" if hard else "SoftReset", graceful=not hard)
        if not hard:
            for _ in range(100):
                if not len(cp.txq) or not cp.online():
                    break
                await asyncio.sleep_ms(100)
        await cp.restart(kind)

    return {"status": "Accepted"}, restart
