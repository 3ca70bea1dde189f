"""A simulated ``ntptime`` module: settime() succeeds when ``reachable`` is True."""
host = "pool.ntp.org"
timeout = 1
reachable = True
calls = []


def reset_world(ok=True):
    global reachable
    reachable = ok
    calls.clear()


def time():
    if not reachable:
        raise OSError(110)  # ETIMEDOUT
    return 0


def settime():
    calls.append(host)
    if not reachable:
        raise OSError(110)
