"""Two charge points for make bench's CALL -> CALLRESULT latency, on CPython:

    .venv/bin/python tools/peer_cp.py peer  URL   # a charge point built on the `ocpp` package
    .venv/bin/python tools/peer_cp.py floor URL   # the loopback floor: canned answers, no work

Both answer the three calls bench.py times (GetConfiguration of every key, a
ChangeConfiguration, a DataTransfer to an unknown vendor) with what the agent answers: `peer`
through the package's ChargePoint (routing, schema validation both ways, dataclasses), `floor`
by reading the unique id and writing a prepared CALLRESULT. URL is the central system's
endpoint with the charge point's id (ws://127.0.0.1:9000/ocpp/PEER). It runs until killed.
"""
import asyncio
import json
import sys

import websockets

# What the agent lists (ocpp/model/core_keys.py and the others), so the answers weigh the same.
KEYS = [{"key": "Key%02d" % i, "readonly": i % 3 == 0, "value": "value of key %d" % i}
        for i in range(40)]
ANSWERS = {
    "GetConfiguration": {"configurationKey": KEYS},
    "ChangeConfiguration": {"status": "Accepted"},
    "DataTransfer": {"status": "UnknownVendorId"},
}


async def peer(url):
    from ocpp.routing import on
    from ocpp.v16 import ChargePoint, call_result
    from ocpp.v16.enums import Action

    class Peer(ChargePoint):
        @on(Action.get_configuration)
        def get_configuration(self, **kwargs):
            return call_result.GetConfiguration(configuration_key=KEYS)

        @on(Action.change_configuration)
        def change_configuration(self, key, value, **kwargs):
            return call_result.ChangeConfiguration(status="Accepted")

        @on(Action.data_transfer)
        def data_transfer(self, vendor_id, **kwargs):
            return call_result.DataTransfer(status="UnknownVendorId")

    async with websockets.connect(url, subprotocols=["ocpp1.6"]) as ws:
        await Peer(url.rstrip("/").split("/")[-1], ws).start()


async def floor(url):
    canned = {action: json.dumps(payload) for action, payload in ANSWERS.items()}
    async with websockets.connect(url, subprotocols=["ocpp1.6"]) as ws:
        async for text in ws:
            msg = json.loads(text)
            if msg[0] == 2:
                await ws.send('[3,%s,%s]' % (json.dumps(msg[1]), canned.get(msg[2], "{}")))


if __name__ == "__main__":
    mode, url = sys.argv[1], sys.argv[2]
    try:
        asyncio.run(peer(url) if mode == "peer" else floor(url))
    except (KeyboardInterrupt, websockets.ConnectionClosed):
        pass
