"""The bench console: frames echoed as they pass, central-system commands read from stdin, and
the command line (python tools/csms --port 9000)."""
import asyncio
import json
import sys
import threading
from collections import namedtuple

from csms.checks import load_schema
from csms.common import CS_ACTIONS, CallError, InvalidPayload
from csms.server import CentralSystem


# --- console -------------------------------------------------------------------------------------

HELP = """commands (the answer is printed; frames are echoed as they pass):
  list                          charge points connected (* = current target)
  use <cp_id>                   choose the target (default: the only one connected)
  <Action> {json}               send a CALL, e.g.  GetConfiguration {"key": ["HeartbeatInterval"]}
  <Action> key=value ...        the same, values typed by the schema, e.g.
                                  Reset type=Soft
                                  ChangeConfiguration key=HeartbeatInterval value=60
                                  GetConfiguration key=HeartbeatInterval,MeterValueSampleInterval
                                  RemoteStartTransaction idTag=ABC connectorId=1
                                  SetChargingProfile connectorId=1 csChargingProfiles={...}
                                  a.b=1 sets {"a": {"b": 1}}
  <Action>! ...                 send without checking the payload against the schema
  @<cp_id> <command>            send one command to another charge point
  raw <text>                    send text as a frame, exactly as typed
  boot Accepted|Pending|Rejected  how the next BootNotifications are answered
  disconnect                    close the target's websocket
  help                          this text
  quit                          stop the central system
actions: """ + " ".join(sorted(CS_ACTIONS))

Command = namedtuple("Command", "verb target action payload validate arg")
Command.__new__.__defaults__ = (None, None, None, True, None)
_ACTIONS_BY_LOWER = {a.lower(): a for a in CS_ACTIONS}
_BOOT = {"accepted": "Accepted", "pending": "Pending", "rejected": "Rejected"}


def parse_command(line):
    """One console line -> Command (verb, target, action, payload, validate, arg), or None for
    a blank line or a # comment. Raises ValueError with a message for the user."""
    line = line.strip()
    if not line or line.startswith("#"):
        return None
    target = None
    if line.startswith("@"):
        target, _, line = line[1:].partition(" ")
        line = line.strip()
        if not target or not line:
            raise ValueError("usage: @<cp_id> <command>")
    word, _, rest = line.partition(" ")
    rest = rest.strip()
    verb = word.lower()
    if verb in ("help", "?"):
        return Command("help")
    if verb in ("quit", "exit", "q"):
        return Command("quit")
    if verb in ("list", "ls"):
        return Command("list")
    if verb == "use":
        if not rest or " " in rest:
            raise ValueError("usage: use <cp_id>")
        return Command("use", arg=rest)
    if verb == "raw":
        if not rest:
            raise ValueError("usage: raw <frame text>")
        return Command("raw", target, arg=line[len(word):].lstrip())
    if verb == "boot":
        if rest.lower() not in _BOOT:
            raise ValueError("usage: boot Accepted|Pending|Rejected")
        return Command("boot", arg=_BOOT[rest.lower()])
    if verb == "disconnect":
        return Command("disconnect", target or rest or None)
    validate = not word.endswith("!")
    action = _ACTIONS_BY_LOWER.get(word.rstrip("!").lower())
    if action is None:
        raise ValueError("unknown command or central-system action %r (try help; raw sends "
                         "anything)" % word)
    return Command("call", target, action, parse_payload(action, rest), validate)


def parse_payload(action, text):
    """`{json}` or `key=value ...` (values typed by the action's schema) -> payload dict."""
    if not text:
        return {}
    if text.startswith("{"):
        try:
            payload = json.loads(text)
        except ValueError as e:
            raise ValueError("payload is not JSON: %s" % e) from None
        if not isinstance(payload, dict):
            raise ValueError("the payload must be a JSON object")
        return payload
    schema = load_schema(action) or {}
    payload = {}
    decoder = json.JSONDecoder()
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        eq = text.find("=", i)
        space = next((j for j in range(i, n) if text[j].isspace()), n)
        if eq < 0 or eq > space or eq == i:
            raise ValueError("expected key=value at %r" % text[i:space])
        key = text[i:eq]
        i = eq + 1
        if i < n and text[i] in "[{\"":
            try:
                value, i = decoder.raw_decode(text, i)
            except ValueError as e:
                raise ValueError("value of %s is not JSON: %s" % (key, e)) from None
            quoted = True
        else:
            end = next((j for j in range(i, n) if text[j].isspace()), n)
            value, i, quoted = text[i:end], end, False
        _put(payload, schema, key.split("."), value, quoted)
    return payload


def _put(payload, schema, path, value, quoted):
    node, node_schema = payload, schema
    for name in path[:-1]:
        node_schema = (node_schema.get("properties") or {}).get(name, {})
        node = node.setdefault(name, {})
        if not isinstance(node, dict):
            raise ValueError("%s is not an object" % name)
    prop = (node_schema.get("properties") or {}).get(path[-1], {})
    node[path[-1]] = _typed(value, prop, quoted)


def _typed(value, prop, quoted):
    """Give a key=value value the type its schema property wants (a bare 60 for a string
    property stays "60"; a bare A,B for an array becomes ["A", "B"])."""
    kind = prop.get("type")
    if quoted:
        if kind == "array" and not isinstance(value, list):
            return [value]
        return value
    if kind == "string":
        return value
    if kind == "array":
        items = prop.get("items", {})
        return [_typed(v, items, False) for v in value.split(",") if v]
    if kind in ("integer", "number", "boolean"):
        try:
            return json.loads(value)
        except ValueError:
            raise ValueError("%r is not a valid %s" % (value, kind)) from None
    try:
        return json.loads(value)
    except ValueError:
        return value


def _read_lines(stream, loop, queue):
    """Thread: feed the lines of a blocking stream into an asyncio queue; None at the end.
    A daemon thread, so a pending read never keeps the process alive after quit."""
    try:
        for line in iter(stream.readline, ""):
            loop.call_soon_threadsafe(queue.put_nowait, line)
    except (OSError, ValueError):
        pass
    try:
        loop.call_soon_threadsafe(queue.put_nowait, None)
    except RuntimeError:
        pass  # the loop is already closed


async def console(cs, stdin=None, out=None):
    """Read commands (see HELP) from `stdin` (default sys.stdin) and run them against the started
    CentralSystem `cs`, printing to `out` (default stdout). Returns at quit (calls still waiting
    for an answer are dropped) or at the end of input (after they are answered). Calls run in the
    background, so the console stays usable while a charge point takes its time.
    `make sim` runs this beside its own agent: await console(cs)."""
    out = out or sys.stdout
    queue = asyncio.Queue()
    threading.Thread(target=_read_lines, args=(stdin or sys.stdin, asyncio.get_running_loop(),
                                               queue), name="console-input", daemon=True).start()
    state = {"target": None}
    running = set()

    def say(text):
        print(text, file=out, flush=True)

    def target_of(cmd):
        if cmd.target:
            return cmd.target
        if state["target"]:
            return state["target"]
        if len(cs.connected) == 1:
            return next(iter(cs.connected))
        raise ValueError("no charge point connected" if not cs.connected else
                         "%d charge points connected: choose one with use <cp_id>"
                         % len(cs.connected))

    async def run_call(cp_id, cmd):
        try:
            answer = await cs.call(cp_id, cmd.action, cmd.payload, validate=cmd.validate)
            say("%s %s.conf %s" % (cp_id, cmd.action, json.dumps(answer, ensure_ascii=False)))
        except CallError as e:
            say("%s %s -> CALLERROR %s %r %s" % (cp_id, cmd.action, e.code, e.description,
                                                 json.dumps(e.details)))
        except InvalidPayload as e:
            say("not sent, the schema rejects it: %s\n(add ! after the action to send it anyway)"
                % e)
        except (asyncio.TimeoutError, ConnectionError) as e:
            say("%s %s: %s" % (cp_id, cmd.action, e or "no answer"))

    say("type help for commands")
    while True:
        line = await queue.get()
        if line is None:  # end of a piped script: let its calls finish
            if running:
                await asyncio.wait(list(running))
            break
        try:
            cmd = parse_command(line)
            if cmd is None:
                continue
            if cmd.verb == "quit":
                break
            if cmd.verb == "help":
                say(HELP)
            elif cmd.verb == "list":
                for cp_id in sorted(cs.connected):
                    say("%s %s (connections: %d)" % ("*" if cp_id == state["target"] else " ",
                                                     cp_id, cs.connect_count.get(cp_id, 0)))
                if not cs.connected:
                    say("no charge point connected")
            elif cmd.verb == "use":
                state["target"] = cmd.arg
                say("target: %s%s" % (cmd.arg, "" if cmd.arg in cs.connected
                                      else " (not connected now)"))
            elif cmd.verb == "boot":
                cs.boot_statuses.clear()
                cs.boot_status = cmd.arg
                say("BootNotification will be answered %s" % cmd.arg)
            elif cmd.verb == "raw":
                await cs.send_raw(target_of(cmd), cmd.arg)
            elif cmd.verb == "disconnect":
                await cs.disconnect(target_of(cmd))
            else:
                task = asyncio.ensure_future(run_call(target_of(cmd), cmd))
                running.add(task)
                task.add_done_callback(running.discard)
        except (ValueError, ConnectionError) as e:
            say("error: %s" % e)
    for task in list(running):
        task.cancel()


# --- command line --------------------------------------------------------------------------------

def _password(text):
    cp_id, sep, secret = text.partition("=")
    if not sep or not cp_id:
        raise ValueError("--password wants CP_ID=SECRET (or CP_ID=hex:00AB...)")
    return cp_id, bytes.fromhex(secret[4:]) if secret.startswith("hex:") else secret.encode()


def main(argv=None):
    import argparse
    import ssl

    parser = argparse.ArgumentParser(description="Development OCPP 1.6J central system: prints "
                                     "every frame and sends any central-system command.")
    parser.add_argument("--host", default="0.0.0.0",
                        help="address to listen on (default 0.0.0.0, every interface)")
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--tls-cert", help="PEM certificate chain: serve wss://")
    parser.add_argument("--tls-key", help="PEM private key of --tls-cert")
    parser.add_argument("--password", action="append", default=[], metavar="CP_ID=SECRET",
                        help="require HTTP Basic auth (repeatable; SECRET may be hex:00AB..)")
    parser.add_argument("--boot", default="Accepted", type=lambda s: _BOOT[s.lower()],
                        help="BootNotification answer: Accepted (default), Pending, Rejected")
    parser.add_argument("--interval", type=int, default=300,
                        help="interval in the BootNotification answer (default 300 s)")
    args = parser.parse_args(argv)
    ssl_context = None
    if args.tls_cert:
        ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ssl_context.load_cert_chain(args.tls_cert, args.tls_key)
    passwords = dict(_password(p) for p in args.password) if args.password else None
    cs = CentralSystem(args.host, args.port, ssl_context=ssl_context, passwords=passwords,
                       boot_status=args.boot, boot_interval=args.interval, echo=True)

    async def run():
        await cs.start()
        try:
            await console(cs)
        finally:
            await cs.stop()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
