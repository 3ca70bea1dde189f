"""An exception from the network as one short log line, for WebSocket errors: a failed
connect (ocpp/core/ws/opening.py) or a broken link (ocpp/core/ws/closing.py). Imported by them for the call
through the module cache."""


def describe(e):
    """An I/O or TLS exception as one short log line: "OSError: ECONNREFUSED"."""
    text = " ".join(str(e).split())  # mbedTLS messages come wrapped in newlines: one log line
    if isinstance(e, OSError) and e.args and isinstance(e.args[0], int):
        try:
            import errno

            text = errno.errorcode.get(e.args[0], text)  # "ECONNREFUSED" rather than "111"
        except (ImportError, AttributeError):
            pass
        if e.args[0] < 0:  # getaddrinfo's EAI_* codes
            text = "cannot resolve the host name (%d)" % e.args[0]
    return type(e).__name__ + (": " + text if text else "")
