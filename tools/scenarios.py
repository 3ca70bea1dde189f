"""One agent driven against one central system, and the scenarios bench and tests share.

    d = Driver(csms, agent, "CP_1", timeout=60)   # a CentralSystemThread, a host_tests Agent
    boot_and_configuration(d)                        # raises Failed with the reason

make bench (tools/bench.py) runs these scenarios in heaps of every size to find the smallest;
the heap tests (host_tests/integration/test_heap.py) run the same ones in the heap the project
promises, so the figure and the test can never be about different things. Every wait checks the
agent's log for MemoryError and a crash, so a scenario in too small a heap fails at once with the
reason instead of waiting for its timeout (the launcher would restart the crashed agent).
"""
import time

TAG = "BENCH-TAG"
# Every measurand the agent supports: the session scenario samples them all (the heaviest
# MeterValues it builds).
ALL_MEASURANDS = ("Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage,"
                  "Current.Offered,Power.Offered")
CRASH_SIGNS = ("MemoryError", "Traceback (most recent call last)", "Task exception")


class Failed(Exception):
    """A scenario did not pass (the reason is the message)."""


class Driver:
    """The central system's record and calls for one charge point, its control port, and a
    deadline shared by every wait."""

    def __init__(self, csms, agent, cp_id, timeout):
        self.csms = csms
        self.agent = agent
        self.cp_id = cp_id
        self.deadline = time.monotonic() + timeout

    # checks

    def left(self):
        return self.deadline - time.monotonic()

    def check(self):
        log = self.agent.log()
        for sign in CRASH_SIGNS:
            if sign in log:
                raise Failed("%s in the agent log: %s" % (sign, line_with(log, sign)))
        if self.csms.violations:
            raise Failed("schema violation: %s" % self.csms.violations[0][:200])
        if self.left() <= 0:
            raise Failed("timed out")

    # the central system's record

    def wait_call(self, action, since=0, **fields):
        """The charge point's first `action` CALL (Msg) at index >= since with these fields;
        Failed at once when check() finds the agent broken."""
        try:
            return self.csms.wait_for(self.cp_id, action, since=since, fields=fields,
                                      check=self.check, timeout=max(self.left(), 0.05))
        except TimeoutError:
            raise Failed("no %s %s within the timeout" % (action, fields or "")) from None

    def answer(self, msg):
        """Our CALLRESULT payload to the charge point's CALL `msg`."""
        reply = self.csms.wait_reply(msg.parsed[1], cp_id=self.cp_id, direction="out",
                                     timeout=max(self.left(), 0.1))
        if reply.parsed[0] != 3:
            raise Failed("%s answered with a CALLERROR" % msg.parsed[2])
        return reply.parsed[2]

    def call(self, action, payload):
        self.check()
        try:
            return self.csms.call(self.cp_id, action, payload, timeout=max(min(10, self.left()), 1))
        except Exception as e:  # noqa: BLE001 - any failure of the call fails the scenario
            self.check()  # a MemoryError behind it is the better reason
            raise Failed("%s: %s: %s" % (action, type(e).__name__, e)) from None

    def change(self, key, value, expect="Accepted"):
        status = self.call("ChangeConfiguration", {"key": key, "value": value})["status"]
        if status != expect:
            raise Failed("ChangeConfiguration %s=%s: %s, not %s" % (key, value, status, expect))

    # the control port

    def ev(self, command):
        reply = self.agent.control(command)
        if not reply.get("ok"):
            raise Failed("control %r: %r" % (command, reply))
        return reply

    def status(self):
        return self.agent.control("status")

    def wait_status(self, predicate, what, poll_s=0.02):
        while True:
            self.check()
            s = self.status()
            if predicate(s):
                return s
            if self.left() <= 0:
                raise Failed("status never showed %s" % what)
            time.sleep(poll_s)


def line_with(text, word):
    for line in text.splitlines():
        if word in line:
            return line.strip()[:200]
    return ""


# -- scenarios ------------------------------------------------------------------------------------

def booted(run):
    """BootNotification Accepted, then StatusNotification for connectors 0 and 1."""
    boot = run.wait_call("BootNotification")
    if run.answer(boot)["status"] != "Accepted":
        raise Failed("BootNotification not Accepted")
    run.wait_call("StatusNotification", connectorId=0)
    run.wait_call("StatusNotification", connectorId=1)


def boot_and_configuration(run):
    """Boot, a full GetConfiguration, one ChangeConfiguration Accepted and one Rejected, one
    Heartbeat (the boot answer's interval is 2 s)."""
    booted(run)
    if not run.call("GetConfiguration", {}).get("configurationKey"):
        raise Failed("GetConfiguration returned no keys")
    run.change("MeterValueSampleInterval", "10")
    run.change("HeartbeatInterval", "x", expect="Rejected")
    run.wait_call("Heartbeat", since=run.csms.mark())


def charging_session(run):
    """Plug, card, StartTransaction, charge with MeterValues every second for ~3 s, the same card
    stops it, StopTransaction, unplug, Available."""
    booted(run)
    session(run)


def session_with_profiles(run):
    """The charging session with every charging profile the agent takes installed first
    (full_profiles) and their composite schedule asked for a day: the smart-charging work at
    the start, at each period boundary and at the end comes on top of the session's."""
    booted(run)
    full_profiles(run)
    for connector in (1, 0):
        got = run.call("GetCompositeSchedule", {"connectorId": connector, "duration": 86400})
        if got["status"] != "Accepted":
            raise Failed("GetCompositeSchedule %d: %s" % (connector, got["status"]))
    session(run)


def full_profiles(run, connector=1):
    """MaxChargingProfilesInstalled (24) profiles of ChargingScheduleMaxPeriods (32) periods
    each: nine stack levels of ChargePointMaxProfile and of TxDefaultProfile on connector 0,
    six on `connector`; Daily, Absolute and Relative, in A and W, a period every 10 minutes."""
    now = int(time.time())
    start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 3600))
    pid = 0
    for where, purpose, levels in ((0, "ChargePointMaxProfile", 9), (0, "TxDefaultProfile", 9),
                                   (connector, "TxDefaultProfile", 6)):
        for stack in range(levels):
            pid += 1
            kind = ("Recurring", "Absolute", "Relative")[pid % 3]
            unit = "W" if pid % 2 else "A"
            periods = [{"startPeriod": i * 600,
                        "limit": (6 + (i + pid) % 26) * (690 if unit == "W" else 1)}
                       for i in range(32)]
            sched = {"chargingRateUnit": unit, "chargingSchedulePeriod": periods}
            prof = {"chargingProfileId": pid, "stackLevel": stack,
                    "chargingProfilePurpose": purpose, "chargingProfileKind": kind,
                    "chargingSchedule": sched}
            if kind != "Relative":
                sched["startSchedule"] = start
            if kind == "Recurring":
                prof["recurrencyKind"] = "Daily"
            got = run.call("SetChargingProfile", {"connectorId": where,
                                                  "csChargingProfiles": prof})
            if got["status"] != "Accepted":
                raise Failed("SetChargingProfile %d: %s" % (pid, got["status"]))


def session(run):
    """The session itself (the charge point booted)."""
    run.change("MeterValueSampleInterval", "1")
    run.change("MeterValuesSampledData", ALL_MEASURANDS)
    mark = run.csms.mark()
    run.ev("plug")
    run.wait_call("StatusNotification", since=mark, connectorId=1, status="Preparing")
    run.ev("card " + TAG)
    start = run.wait_call("StartTransaction", since=mark, idTag=TAG)
    tx = run.answer(start)["transactionId"]
    run.ev("charge")
    run.wait_status(lambda s: s["relay_closed"], "the contactor closed")
    charging = run.csms.mark()
    time.sleep(3)
    run.wait_call("MeterValues", since=charging, transactionId=tx)
    samples = [m for m in run.csms.messages[charging:]
               if m.direction == "in" and m.parsed and m.parsed[0] == 2
               and m.parsed[2] == "MeterValues"]
    if len(samples) < 2:
        raise Failed("only %d MeterValues in 3 s at interval 1" % len(samples))
    mark = run.csms.mark()
    run.ev("card " + TAG)
    run.wait_call("StopTransaction", since=mark, transactionId=tx)
    run.ev("unplug")
    run.wait_call("StatusNotification", since=mark, connectorId=1, status="Available")


