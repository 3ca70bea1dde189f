"""The simulator control port: drive the simulated EV and hardware over TCP on 127.0.0.1.

One command per line, exactly one JSON object per line back:
    plug | charge | pause | unplug | card <idTag> | ev_max <amps> | ev_phases <1|3>
    cable <13|20|32|63|none>
    fault <rcd|diode|weld|overtemp|ground|lock> | clear | status      [connector number]
    net down | net up
    -> {"ok": true, ...}  or  {"ok": false, "error": "..."}

This module stays in the agent's heap while the port is open, so it only reads lines: the
commands themselves (sim_commands.py, and sim_status.py for `status`) are imported for one
line and dropped after it.
"""
import asyncio
import gc
import sys

from micropython import const

_MAX_LINE = const(256)


def execute(board, line, write=None):
    """Run one command line. With `write`, write the reply line with write(str) (in pieces);
    without, return the reply dict (unit tests)."""
    gc.collect()  # as ocpp/core/cache.py does: the modules' code into a heap with no garbage
    try:
        words = line.split()
        if write and words and words[0] == "status" and (len(words) == 1 or (
                len(words) == 2 and words[1].isdigit()
                and 1 <= int(words[1]) <= board.connectors)):
            import sim_status  # the agent's busiest moments: only the status code

            return sim_status.answer(board, write, int(words[1]) if len(words) == 2 else 1)
        import sim_commands  # imports sim_status too

        return sim_commands.answer(board, line, write)
    finally:
        sys.modules.pop("sim_commands", None)
        sys.modules.pop("sim_status", None)


async def serve(board, port, log):
    async def client(reader, writer):
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                if len(line) > _MAX_LINE:
                    writer.write(b'{"ok": false, "error": "line too long"}\n')
                else:
                    try:
                        execute(board, line.decode(), writer.write)
                    except OSError:
                        raise  # the connection is gone
                    except Exception as e:  # before the reply began (no room for the
                        # commands' code, not UTF-8): a command never takes the agent down
                        writer.write('{"ok": false, "error": "%s"}\n' % type(e).__name__)
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()
            await writer.wait_closed()

    await asyncio.start_server(client, "127.0.0.1", port)
    log("board: control port on 127.0.0.1:%d" % port)
