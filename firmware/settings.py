"""config.json: the provisioning file in the flash root (the same file on a board and on unix).

load() returns the settings as a dict or raises SettingsError naming the bad key, so start-up
stops with a message a person can act on. Unknown keys are ignored (boards add their own).
"""
import json

from micropython import const

MAX_URL_LEN = const(2038)  # Zaptec's limit for the central-system URL
MAX_ID_LEN = const(48)


class SettingsError(Exception):
    pass


def _bad(key, why):
    raise SettingsError("config.json: %s %s" % (key, why))


def _opt_str(cfg, key, maxlen=None):
    v = cfg.get(key)
    if v is None:
        return
    if not isinstance(v, str) or not v:
        _bad(key, "must be a non-empty string")
    if maxlen and len(v) > maxlen:
        _bad(key, "must be at most %d characters" % maxlen)


def load(path="config.json"):
    try:
        with open(path) as f:
            cfg = json.load(f)
    except OSError:
        raise SettingsError("config.json: not found (%s)" % path)
    except ValueError:
        raise SettingsError("config.json: not valid JSON")
    if not isinstance(cfg, dict):
        raise SettingsError("config.json: must hold a JSON object")
    check(cfg)
    return cfg


def check(cfg):
    cp_id = cfg.get("charge_point_id")
    if not isinstance(cp_id, str) or not cp_id:
        _bad("charge_point_id", "is required: a non-empty string")
    if len(cp_id) > MAX_ID_LEN:
        _bad("charge_point_id", "must be at most %d characters" % MAX_ID_LEN)
    for c in cp_id:
        if not " " < c <= "~":
            _bad("charge_point_id", "must be printable ASCII without spaces")
    if "csms_full_url" in cfg:
        _check_url(cfg, "csms_full_url")
    elif "csms_url" in cfg:
        _check_url(cfg, "csms_url")
    # neither: stand-alone (no central system; FreeCharging, no OCPP traffic)
    _opt_str(cfg, "authorization_key", 40)
    sp = cfg.get("security_profile")
    if sp is not None and (type(sp) is not int or not 0 <= sp <= 3):
        _bad("security_profile", "must be 0, 1, 2 or 3")
    for key in ("ca_cert", "client_cert", "client_key"):
        _opt_str(cfg, key)
    _opt_str(cfg, "vendor", 20)
    _opt_str(cfg, "model", 20)
    _opt_str(cfg, "serial_number", 25)
    confirm = cfg.get("update_confirm_s")
    if confirm is not None and (type(confirm) is not int or not 30 <= confirm <= 3600):
        _bad("update_confirm_s", "must be whole seconds from 30 to 3600")
    keys = cfg.get("ocpp_keys")
    if keys is not None and not isinstance(keys, dict):
        _bad("ocpp_keys", "must be an object of OCPP configuration keys")
    url = ocpp_url(cfg)
    if url is None:
        if cfg.get("security_profile") or cfg.get("authorization_key"):
            _bad("security_profile", "and authorization_key need csms_url (a central system)")
        return
    if len(url) > MAX_URL_LEN:
        _bad("csms_full_url" if "csms_full_url" in cfg else "csms_url",
             "gives a URL longer than %d characters" % MAX_URL_LEN)
    secure = url.startswith("wss://")
    profile = security_profile(cfg)
    if profile >= 2 and not secure:
        _bad("security_profile", "%d needs a wss:// URL" % profile)
    if secure and not cfg.get("ca_cert"):
        _bad("ca_cert", "is required for wss:// (the server certificate is always verified)")
    if profile == 3 and not (cfg.get("client_cert") and cfg.get("client_key")):
        _bad("client_cert", "and client_key are required for security profile 3")
    if profile in (1, 2) and "authorization_key" not in cfg and \
            not (keys and "AuthorizationKey" in keys):
        _bad("authorization_key", "is required for security profile %d" % profile)
    sim = cfg.get("sim")
    if sim is not None and not isinstance(sim, dict):
        _bad("sim", "must be an object")


def _check_url(cfg, key):
    url = cfg[key]
    if not isinstance(url, str) or not (url.startswith("ws://") or url.startswith("wss://")):
        _bad(key, "must start with ws:// or wss://")
    rest = url[url.index("//") + 2:]
    if not rest or rest[0] in "/:?":
        _bad(key, "has no host")
    for c in url:
        if not " " < c <= "~":
            _bad(key, "must be printable ASCII without spaces")


def security_profile(cfg):
    """The provisioned profile; when not given: 1 or 2 if a password is provisioned, else 0."""
    sp = cfg.get("security_profile")
    if sp is not None:
        return sp
    if "authorization_key" in cfg:
        return 2 if (ocpp_url(cfg) or "").startswith("wss://") else 1
    return 0


def ocpp_url(cfg):
    """The URL to connect to: csms_full_url as given, else csms_url with the identity in it;
    None when neither is given (stand-alone).

    "{deviceId}" in csms_url is replaced by the identity; otherwise "/<id>" is appended (a
    trailing "/" is not doubled). The identity is percent-encoded as OCPP-J 3.1 asks.
    """
    full = cfg.get("csms_full_url")
    if full:
        return full
    url = cfg.get("csms_url")
    if url is None:
        return None  # stand-alone: no central system
    cp_id = _percent_encode(cfg["charge_point_id"])
    if "{deviceId}" in url:
        return url.replace("{deviceId}", cp_id)
    if url.endswith("/"):
        return url + cp_id
    return url + "/" + cp_id


def _percent_encode(s):
    out = []
    for c in s:
        if c.isalpha() or c.isdigit() or c in "-._~":
            out.append(c)
        else:
            out.append("".join("%%%02X" % b for b in c.encode()))
    return "".join(out)
