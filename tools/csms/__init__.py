"""Development central system (OCPP 1.6J) on the `ocpp` package: a bench console and a test library.

Two users:

* a person at a terminal: ``python tools/csms --port 9000`` accepts charge points, prints
  every frame both ways (one line each) and reads central-system commands from stdin (``help``);
* the pytest integration tests: ``CentralSystem`` (asyncio) or ``CentralSystemThread`` (a
  synchronous facade running one in its own thread) is a real, validating central system to run
  the agent against.

Every frame a charge point sends is checked twice: by the `ocpp` package (which answers an invalid
CALL with a CALLERROR, as any central system built on it would) and by our own Draft-4 pass over
the same package schemas plus the OCPP-J framing rules. Every failure lands in ``violations``;
tests assert that it stays empty. Frames the tests send on purpose (``send_raw``,
``call(validate=False)``) are never counted: they are ours, not the charge point's.

The wire format (OCPP-J 1.6, section 4)::

    [2, "<uniqueId>", "<Action>", {payload}]                        CALL (either side)
    [3, "<uniqueId>", {payload}]                                    CALLRESULT
    [4, "<uniqueId>", "<errorCode>", "<description>", {details}]    CALLERROR

Payloads stay camelCase dicts end to end: responders receive and return the JSON as it is on the
wire, call() takes and returns it, so nothing is lost in snake_case round trips.

The package, one part each:

    common.py   the wire's constants, Msg (one frame), CallError, InvalidPayload, Unchecked
    checks.py   our own Draft-4 and OCPP-J check of every frame a charge point sends
    server.py   CentralSystem (asyncio) and its _Link per charge point
    thread.py   CentralSystemThread, the synchronous facade
    console.py  the bench console and the command line (__main__.py runs it)
"""
from csms.checks import check_cp_frame, load_schema, schema_errors  # noqa: F401
from csms.common import (CP_ACTIONS, CS_ACTIONS, ERROR_CODES_16, SUBPROTOCOL,  # noqa: F401
                         AuthFailure, CallError, InvalidPayload, Msg, Unchecked,
                         cp_id_from_path, now_iso)
from csms.console import (Command, _password, console, main, parse_command,  # noqa: F401
                          parse_payload)
from csms.server import CentralSystem, format_msg  # noqa: F401
from csms.thread import CentralSystemThread  # noqa: F401
