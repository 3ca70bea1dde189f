"""The words of a validation failure (ocpp/core/validate/__init__.py): imported only when a payload is invalid,
so the success path never loads these texts.

The texts are numbered by their order in _TEXTS; the numbers are validate/__init__.py's (defined
there only: this module takes them as it is given them).
"""
from micropython import const

_NAME_SHOWN = const(40)  # a peer's string (field name, enum value) is cut to this in a description

# Every word and text of the descriptions, in one str (loaded from .mpy, each str constant is a
# heap object of its own), numbered by their order (validate/__init__.py's consts): the
# CALLERROR codes, the JSON type names, then the texts of each code in turn, so a text's number
# tells its code (validate()).
_TEXTS = ("FormationViolation|OccurenceConstraintViolation|TypeConstraintViolation|"
          "PropertyConstraintViolation|"
          "object|string|integer|number|boolean|array|a JSON object|"
          # FormationViolation
          "field name is not a string|unknown field|no validator for type code %d|"
          # OccurenceConstraintViolation
          "required field missing|fewer than %d items|more than %d items|"
          # TypeConstraintViolation
          "expected %s, got %s|longer than %d characters|not an ISO 8601 date-time|"
          # PropertyConstraintViolation
          "value \"%s\" not allowed|not a finite number|more than one decimal|"
          "below the minimum %r|above the maximum %r")


def fail(n, arg=None, path=""):
    """The error (n, path + ": " + text number `n` of _TEXTS % arg): a peer's string in `arg`
    or at the end of `path` is cut short; a tuple `arg` is (the expected word's number, the
    value found), for "expected X, got Y"."""
    if len(path) > _NAME_SHOWN + 1:
        path = path[:_NAME_SHOWN + 1] + "..."
    if isinstance(arg, str) and len(arg) > _NAME_SHOWN:
        arg = arg[:_NAME_SHOWN] + "..."
    elif isinstance(arg, tuple):
        arg = (word(arg[0]), _json_type(arg[1]))
    text = word(n)
    return (n, path + ": " + (text if arg is None else text % arg))


def _json_type(v):
    """The JSON type of a decoded value, in words."""
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


def word(n):
    """Word or text number `n` of _TEXTS (only it is built: no list of them all)."""
    i = 0
    while n:
        i = _TEXTS.find("|", i) + 1
        n -= 1
    end = _TEXTS.find("|", i)
    return _TEXTS[i:end] if end >= 0 else _TEXTS[i:]
