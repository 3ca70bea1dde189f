"""Heartbeat (charge point -> central system) after HeartbeatInterval of silence, or when
TriggerMessage asks; its answer sets the clock (OCPP 1.6 section 4.6).

    [2, id, "Heartbeat", {}]  ->  {"currentTime": "2026-..."}
"""


async def send(cp):
    conf = await cp.rpc.call("Heartbeat", {})
    cp.clock.sync(conf["currentTime"])


def trigger(cp, connector_id):
    return lambda: cp.send_quietly("Heartbeat")
