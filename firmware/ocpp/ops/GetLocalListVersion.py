"""GetLocalListVersion: the version of the Local Authorization List (OCPP 1.6 section 5.10):
0 when the list is empty, -1 when it is switched off (LocalAuthListEnabled false).

    {}  ->  {"listVersion": 3}
"""
from ocpp.core import cache


async def handle(cp, payload):
    if not cp.config.get("LocalAuthListEnabled"):
        return {"listVersion": -1}
    try:
        st = cache.use("model.locallist").state(cp.store)
    finally:
        cache.done("model.locallist")
    return {"listVersion": st["version"] if st["count"] else 0}
