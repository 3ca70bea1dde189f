"""What the parts of the development central system share: the wire's constants, the record of
a frame (Msg), the errors a call raises, and small helpers."""
import datetime
import os
from collections import namedtuple
from urllib.parse import unquote

import ocpp
from ocpp.v16.enums import Action


SUBPROTOCOL = "ocpp1.6"
SCHEMA_DIR = os.path.join(os.path.dirname(ocpp.__file__), "v16", "schemas")

#: Actions a charge point initiates (OCPP 1.6 + security whitepaper); the others are CS -> CP.
CP_ACTIONS = frozenset((
    "Authorize", "BootNotification", "DataTransfer", "DiagnosticsStatusNotification",
    "FirmwareStatusNotification", "Heartbeat", "MeterValues", "StartTransaction",
    "StatusNotification", "StopTransaction", "LogStatusNotification", "SecurityEventNotification",
    "SignCertificate", "SignedFirmwareStatusNotification"))
#: Actions the central system initiates (DataTransfer goes both ways).
CS_ACTIONS = frozenset(a.value for a in Action if a.value not in CP_ACTIONS) | {"DataTransfer"}
#: OCPP-J 1.6 table 7 error codes (1.6 spellings: FormationViolation, OccurenceConstraintViolation).
ERROR_CODES_16 = frozenset((
    "NotImplemented", "NotSupported", "InternalError", "ProtocolError", "SecurityError",
    "FormationViolation", "PropertyConstraintViolation", "OccurenceConstraintViolation",
    "TypeConstraintViolation", "GenericError"))
MAX_ID_LEN = 36
ECHO_WIDTH = 2000  # characters of a frame shown on the console before it is cut

Msg = namedtuple("Msg", "time cp_id direction raw parsed")
Msg.__doc__ = """One websocket frame: direction "in" (from the CP) or "out" (to the CP); raw is
the text exactly as on the wire; parsed is the decoded JSON or None if it is not JSON."""
AuthFailure = namedtuple("AuthFailure", "time cp_id reason")


class CallError(Exception):
    """The charge point answered our CALL with a CALLERROR."""

    def __init__(self, code, description="", details=None):
        super().__init__("%s: %s %s" % (code, description, details or {}))
        self.code = code
        self.description = description
        self.details = details if details is not None else {}


class InvalidPayload(ValueError):
    """call() refused to send a payload its schema rejects (validate=False sends it anyway)."""


class Unchecked(dict):
    """A responder's answer sent as it is, without the outgoing schema check (hostile replies)."""


def now_iso():
    """UTC now as OCPP likes it: 2026-11-24T08:42:11.123Z."""
    t = datetime.datetime.now(datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def cp_id_from_path(path):
    """The charge point id is the last path segment, percent-decoded: /ocpp/CP%201?x=1 -> 'CP 1'."""
    return unquote(path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1])
