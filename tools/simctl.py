"""Talk to the unix board's simulator control port: one command, one JSON answer.

    .venv/bin/python tools/simctl.py 7000 status
    .venv/bin/python tools/simctl.py 7000 card 04A2B3C4

Commands (contract in the README): plug, charge, pause, unplug, card <idTag>, ev_max <amps>,
fault <rcd|diode|weld|overtemp|ground>, clear, status.
"""
import json
import socket
import sys


def control(port, line, timeout=5):
    """Send one command line to 127.0.0.1:port; returns the decoded JSON answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(line.encode() + b"\n")
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
    return json.loads(buf)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    print(json.dumps(control(int(sys.argv[1]), " ".join(sys.argv[2:]))))
