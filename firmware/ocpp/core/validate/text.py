"""The words of a validation failure (ocpp/core/validate/__init__.py): imported only when a payload is invalid,
so the success path never loads these texts.

Text numbers: the same consts as in validate/__init__.py (kept in step by hand: a const is compiled into
the module that defines it).
"""
from micropython import const

_NAME_SHOWN = const(40)  # a peer's string (field name, enum value) is cut to this in a description

# Every word and text of the descriptions, in one str (loaded from .mpy, each str constant is a
# heap object of its own), numbered by the consts below: the CALLERROR codes, the JSON type
# names, then the texts of each code in turn, so a text's number tells its code (validate()).
_TEXTS = ("FormationViolation|OccurenceConstraintViolation|TypeConstraintViolation|"
          "PropertyConstraintViolation|"
          "object|string|integer|number|boolean|array|null|non-JSON value|a JSON object|"
          # FormationViolation
          "field name is not a string|unknown field|no validator for type code %d|"
          # OccurenceConstraintViolation
          "required field missing|fewer than %d items|more than %d items|"
          # TypeConstraintViolation
          "expected %s, got %s|longer than %d characters|not an ISO 8601 date-time|"
          # PropertyConstraintViolation
          "value \"%s\" not allowed|not a finite number|more than one decimal|"
          "below the minimum %r|above the maximum %r")
_W_OBJECT = const(4)  # JSON type names
_W_STRING = const(5)
_W_INTEGER = const(6)
_W_NUMBER = const(7)
_W_BOOLEAN = const(8)
_W_ARRAY = const(9)
_W_NULL = const(10)
_W_OTHER = const(11)
_T_EXPECTED = const(19)


def fail(n, arg=None, path=""):
    """The error (n, path + ": " + text number `n` of _TEXTS % arg): a peer's string in `arg`
    or at the end of `path` is cut short; for _T_EXPECTED, `arg` is (word number, value)."""
    if len(path) > _NAME_SHOWN + 1:
        path = path[:_NAME_SHOWN + 1] + "..."
    if isinstance(arg, str) and len(arg) > _NAME_SHOWN:
        arg = arg[:_NAME_SHOWN] + "..."
    text = word(n)
    if n == _T_EXPECTED:
        v = arg[1]
        if v is None:
            got = _W_NULL
        elif isinstance(v, bool):
            got = _W_BOOLEAN
        elif isinstance(v, int):
            got = _W_INTEGER
        elif isinstance(v, float):
            got = _W_NUMBER
        elif isinstance(v, str):
            got = _W_STRING
        elif isinstance(v, list):
            got = _W_ARRAY
        elif isinstance(v, dict):
            got = _W_OBJECT
        else:
            got = _W_OTHER
        arg = (word(arg[0]), word(got))
    return (n, path + ": " + (text if arg is None else text % arg))


def word(n):
    """Word or text number `n` of _TEXTS (only it is built: no list of them all)."""
    i = 0
    while n:
        i = _TEXTS.find("|", i) + 1
        n -= 1
    end = _TEXTS.find("|", i)
    return _TEXTS[i:end] if end >= 0 else _TEXTS[i:]
