"""Our own check of every frame a charge point sends: Draft-4 over the `ocpp` package's schemas
plus the OCPP-J framing rules (a second opinion beside the package's validation)."""
import decimal
import json
import os

from jsonschema import Draft4Validator
from ocpp.messages import MessageType

from csms.common import CP_ACTIONS, ERROR_CODES_16, MAX_ID_LEN, SCHEMA_DIR


# --- schemas -------------------------------------------------------------------------------------

_schemas = {}


def load_schema(name):
    """The package's Draft-4 schema `name` (e.g. "Reset" or "ResetResponse") as a dict, or None.
    Floats are Decimals so multipleOf 0.1 is exact (the package does so for 3 actions)."""
    if name not in _schemas:
        path = os.path.join(SCHEMA_DIR, name + ".json")
        try:
            with open(path, encoding="utf-8-sig") as f:
                _schemas[name] = json.load(f, parse_float=decimal.Decimal)
        except OSError:
            _schemas[name] = None
    return _schemas[name]


_validators = {}


def schema_errors(name, payload):
    """Every Draft-4 error of `payload` (parsed with Decimal floats) against schema `name`."""
    if name not in _validators:
        schema = load_schema(name)
        _validators[name] = Draft4Validator(schema) if schema is not None else None
    validator = _validators[name]
    if validator is None:
        return ["no schema %s in the ocpp package" % name]
    return ["%s%s" % ("/".join(str(p) for p in e.absolute_path) + ": " if e.absolute_path else "",
                      e.message) for e in validator.iter_errors(payload)]


def _no_constants(name):
    raise ValueError("%s is not JSON" % name)


def check_cp_frame(raw, call_actions, sent_ids):
    """Problems (list of str) of one frame a charge point sent, by OCPP-J framing and the schemas.

    call_actions maps the unique ids of CALLs we sent to their action (to pick the Response schema);
    sent_ids holds the JSON text of every unique id we sent, so a reply that merely echoes a
    non-string id from a hostile frame of ours is not blamed on the charge point."""
    if isinstance(raw, bytes):
        return ["binary frame (OCPP-J uses text frames)"]
    try:
        frame = json.loads(raw, parse_float=decimal.Decimal, parse_constant=_no_constants)
    except (ValueError, RecursionError) as e:
        return ["not JSON: %s" % e]
    if not isinstance(frame, list) or not frame or frame[0] not in (2, 3, 4) \
            or isinstance(frame[0], bool):
        return ["not an OCPP-J message (a list starting with 2, 3 or 4)"]
    kind, n = frame[0], len(frame)
    if n < 2:
        return ["no unique id"]
    uid = frame[1]
    if kind == MessageType.Call:
        if n != 4:
            return ["CALL has %d elements, not 4" % n]
        problems = []
        if not isinstance(uid, str) or not 0 < len(uid) <= MAX_ID_LEN:
            problems.append("CALL unique id %r is not a string of 1..%d chars" % (uid, MAX_ID_LEN))
        action, payload = frame[2], frame[3]
        if not isinstance(action, str) or action not in CP_ACTIONS:
            return problems + ["%r is not an action a charge point sends" % (action,)]
        return problems + ["%s: %s" % (action, p) for p in schema_errors(action, payload)]
    problems = []
    if not isinstance(uid, str) and json.dumps(uid, default=str) not in sent_ids:
        problems.append("reply unique id %r is not a string" % (uid,))
    if kind == MessageType.CallResult:
        if n != 3:
            return problems + ["CALLRESULT has %d elements, not 3" % n]
        action = call_actions.get(uid) if isinstance(uid, str) else None
        if action is not None and load_schema(action + "Response") is not None:
            problems += ["%s.conf: %s" % (action, p)
                         for p in schema_errors(action + "Response", frame[2])]
        elif not isinstance(frame[2], dict):
            problems.append("CALLRESULT payload is not an object")
        return problems
    if n != 5:
        return problems + ["CALLERROR has %d elements, not 5" % n]
    if frame[2] not in ERROR_CODES_16:
        problems.append("CALLERROR code %r is not an OCPP 1.6 error code" % (frame[2],))
    if not isinstance(frame[3], str):
        problems.append("CALLERROR description is not a string")
    if not isinstance(frame[4], dict):
        problems.append("CALLERROR details is not an object")
    return problems
