"""A simulated ``network`` module (WLAN station) for the board tests on the unix port.

World side: ``access_point`` is the (ssid, password) in range or None; ``link_up`` can be set
False to drop an established link; ``connects`` counts connect() calls.
"""
STA_IF = 0
AP_IF = 1
STAT_IDLE = 0
STAT_CONNECTING = 1
STAT_WRONG_PASSWORD = -3
STAT_NO_AP_FOUND = -2
STAT_GOT_IP = 3

access_point = None
connects = 0
_wlans = {}


def reset_world(ap=None):
    global access_point, connects
    access_point = ap
    connects = 0
    _wlans.clear()


def hostname(name=None):
    return "fake" if name is None else None


class WLAN:
    IF_STA = 0
    IF_AP = 1

    def __new__(cls, iface=STA_IF):
        w = _wlans.get(iface)
        if w is None:
            w = object.__new__(cls)
            w._active = False
            w._status = STAT_IDLE
            w._ssid = None
            _wlans[iface] = w
        return w

    def __init__(self, iface=STA_IF):
        pass

    def active(self, on=None):
        if on is None:
            return self._active
        self._active = bool(on)

    def connect(self, ssid=None, key=None, **kw):
        global connects
        if not self._active:
            raise OSError("STA not active")
        connects += 1
        self._ssid = ssid
        if access_point is None or access_point[0] != ssid:
            self._status = STAT_NO_AP_FOUND
        elif access_point[1] != key:
            self._status = STAT_WRONG_PASSWORD
        else:
            self._status = STAT_GOT_IP

    def disconnect(self):
        self._status = STAT_IDLE

    def drop(self):
        """World side: the access point went away or kicked us off."""
        self._status = STAT_IDLE

    def isconnected(self):
        return self._status == STAT_GOT_IP

    def status(self, *a):
        return self._status

    def ifconfig(self, *a):
        return ("192.168.4.2", "255.255.255.0", "192.168.4.1", "192.168.4.1")

    def config(self, *a, **kw):
        return None
