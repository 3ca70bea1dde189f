"""The words of a validation failure (ocpp/core/validate/__init__.py): imported only when a
payload is invalid, so the success path never loads these texts.

The validator says what broke by a short name ("missing", "expected", ...); this module alone
knows the words and the CALLERROR code of each (OCPP-J 1.6 table 7; why each code, in the
validator's docstring).
"""
from micropython import const

_NAME_SHOWN = const(40)  # a peer's string (field name, enum value) is cut to this in a description

# Every text, in one str (from .mpy, each str constant is a heap object of its own):
# name:code initial:words, "|" between them. F FormationViolation, O OccurenceConstraintViolation,
# T TypeConstraintViolation, P PropertyConstraintViolation.
_TEXTS = ("|name:F:field name is not a string|unknown:F:unknown field"
          "|code:F:no validator for type code %d|payload:F:expected a JSON object, got %s"
          "|missing:O:required field missing|fewer:O:fewer than %d items"
          "|more:O:more than %d items|expected:T:expected %s, got %s"
          "|longer:T:longer than %d characters|datetime:T:not an ISO 8601 date-time"
          "|enum:P:value \"%s\" not allowed|finite:P:not a finite number"
          "|decimal:P:more than one decimal|below:P:below the minimum %r"
          "|above:P:above the maximum %r|")
_CODES = ("FormationViolation", "OccurenceConstraintViolation", "TypeConstraintViolation",
          "PropertyConstraintViolation")


def fail(what, arg=None, path=""):
    """(CALLERROR code, path + ": " + the words of `what` % arg). A peer's string in `arg` or at
    the end of `path` is cut short; for "expected", `arg` is (the type expected, the value)
    and for "payload" the value: the value's JSON type is named."""
    if len(path) > _NAME_SHOWN + 1:
        path = path[:_NAME_SHOWN + 1] + "..."
    if isinstance(arg, str) and len(arg) > _NAME_SHOWN:
        arg = arg[:_NAME_SHOWN] + "..."
    at = _TEXTS.index("|" + what + ":") + len(what) + 2
    code = _CODES["FOTP".index(_TEXTS[at])]
    words = _TEXTS[at + 2:_TEXTS.index("|", at)]
    if what == "expected":
        arg = (arg[0], json_type(arg[1]))
    elif what == "payload":
        arg = json_type(arg)
    return code, path + ": " + (words if arg is None else words % arg)


def json_type(v):
    """The JSON type name of value `v`."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "object"
    return "non-JSON value"
