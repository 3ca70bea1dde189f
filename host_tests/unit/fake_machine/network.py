"""A simulated ``network`` module (WLAN station) for the board tests on the unix port.

World side: ``access_point`` is the (ssid, password) in range or None; ``connects`` counts
connect() calls; reset_world(port=...) picks the status codes of the port being simulated,
which differ: rp2 (cyw43) fails with negative codes, esp32 with 200-204 and succeeds with 1010.
"""
STA_IF = 0
AP_IF = 1
_CODES = {  # IDLE, CONNECTING, GOT_IP, NO_AP_FOUND, WRONG_PASSWORD
    "rp2": (0, 1, 3, -2, -3),
    "esp32": (1000, 1001, 1010, 201, 202),
}
STAT_IDLE, STAT_CONNECTING, STAT_GOT_IP, STAT_NO_AP_FOUND, STAT_WRONG_PASSWORD = _CODES["rp2"]

access_point = None
connects = 0
dns_server = "192.168.4.1"  # what DHCP gave (a test points it at its own UdpWorld)
_wlans = {}


def reset_world(ap=None, port="rp2"):
    global access_point, connects, dns_server
    global STAT_IDLE, STAT_CONNECTING, STAT_GOT_IP, STAT_NO_AP_FOUND, STAT_WRONG_PASSWORD
    STAT_IDLE, STAT_CONNECTING, STAT_GOT_IP, STAT_NO_AP_FOUND, STAT_WRONG_PASSWORD = _CODES[port]
    access_point = ap
    connects = 0
    dns_server = "192.168.4.1"
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
            w._status = None
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
        return STAT_IDLE if self._status is None else self._status

    def ifconfig(self, *a):
        return ("192.168.4.2", "255.255.255.0", "192.168.4.1", dns_server)

    def config(self, *a, **kw):
        return None
