"""The simulator control port: drive the simulated EV and hardware over TCP on 127.0.0.1.

One command per line, exactly one JSON object per line back:
    plug | charge | pause | unplug | card <idTag> | ev_max <amps>
    fault <rcd|diode|weld|overtemp|ground|lock> | clear | status
    -> {"ok": true, ...}  or  {"ok": false, "error": "..."}
"""
import asyncio
import json
import sys

from micropython import const

_MAX_LINE = const(256)


def execute(board, line):
    """Run one command line against the board; returns the reply dict (sim_commands.py)."""
    import sim_commands

    try:
        return sim_commands.execute(board, line)
    finally:
        del sys.modules["sim_commands"]


async def serve(board, port, log):
    async def client(reader, writer):
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                if len(line) > _MAX_LINE:
                    reply = {"ok": False, "error": "line too long"}
                else:
                    try:
                        reply = execute(board, line.decode().strip())
                    except Exception as e:  # a command must never take the agent down
                        reply = {"ok": False, "error": repr(e)}
                writer.write(json.dumps(reply) + "\n")
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()
            await writer.wait_closed()

    await asyncio.start_server(client, "127.0.0.1", port)
    log("board: control port on 127.0.0.1:%d" % port)
