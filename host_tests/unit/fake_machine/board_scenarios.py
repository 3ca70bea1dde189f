"""Scenarios run against each real board's board.py on the simulated machine (the test files
mp_test_boards_<board>.py call them). ``name`` is the board directory."""
import asyncio
import os
from mp_tmp import fresh_dir, rmtree
import time

from board_bench import Bench

INTERFACE = ("name", "phases", "voltage", "max_current_a", "pilot_levels", "set_pwm",
             "set_contactor", "contactor_feedback", "meter_pulses", "meter_imp_per_kwh",
             "rcd_tripped", "rcd_reset", "rcd_self_test", "temperature_c", "currents_a", "lock",
             "has_lock", "led", "on_card", "feed_watchdog", "reset", "start")


def tmpdir(what):
    return fresh_dir("mp_boards_" + what)


def interface(name):
    b = Bench(name).board
    for member in INTERFACE:
        assert hasattr(b, member), member
    assert b.name == name
    assert b.phases in (1, 3) and b.voltage == 230 and b.max_current_a == 16
    assert b.meter_imp_per_kwh == 1000 and b.has_lock is True
    assert b.currents_a() is None


def safe_at_start(name):
    bench = Bench(name)
    assert bench.pin_level("contactor") == 0
    pwm = bench.machine.pwm_on(bench.pins["pilot_pwm"])
    assert pwm.freq() == 1000 and pwm.duty_u16() == 65535  # steady +12 V: nothing offered


def pilot(name):
    from evse import pilot as fw

    bench = Bench(name)
    b, ev = bench.board, bench.ev
    assert fw.classify(b.pilot_levels()[0]) == "A"
    ev.state = "B"
    h, low = b.pilot_levels()
    assert fw.classify(h) == "B" and h == low  # no PWM yet
    b.set_pwm(26.7)
    for state in "BCD":
        ev.state = state
        h, low = b.pilot_levels()
        assert fw.classify(h) == state and fw.diode_ok(low), (state, h, low)
    ev.diode = False
    ev.state = "C"
    assert not fw.diode_ok(b.pilot_levels()[1])
    ev.state = "E"
    assert fw.classify(b.pilot_levels()[0]) == "E"
    b.set_pwm(0)
    ev.state = "B"
    ev.diode = True
    assert fw.classify(b.pilot_levels()[0]) == "F"


def pilot_calibration_from_config(name):
    # a front end whose divider reads 5 % higher: the config's calibration brings it back
    import pilot_world

    cal = {"adc_p12": int(pilot_world.counts(pilot_world.cp_volts(12, "A")) * 1.05),
           "adc_m12": int(pilot_world.counts(pilot_world.cp_volts(-12, "A")) * 1.05)}
    bench = Bench(name, {"hardware": {"pilot_cal": cal}})
    m = bench.machine
    src = m._adc_sources[bench.pins["pilot_adc"]]
    m.adc_source(bench.pins["pilot_adc"], lambda: src() * 1.05)
    h, low = bench.board.pilot_levels()
    assert abs(h - 12) < 0.05 and h == low


def contactor(name):
    bench = Bench(name)
    b = bench.board
    assert b.contactor_feedback() is False
    b.set_contactor(True)
    assert bench.pin_level("contactor") == 1 and b.contactor_feedback() is True
    b.set_contactor(False)
    assert bench.pin_level("contactor") == 0 and b.contactor_feedback() is False
    b.set_contactor(True)
    bench.welded = True
    b.set_contactor(False)
    assert bench.pin_level("contactor") == 0 and b.contactor_feedback() is True  # welded
    nofb = Bench(name, {"pins": {"contactor_fb": None}}).board
    assert nofb.contactor_feedback() is None


def meter(name):
    bench = Bench(name, {"hardware": {"meter_imp_per_kwh": 10000}})
    b = bench.board
    assert b.meter_imp_per_kwh == 10000
    assert b.meter_pulses()[0] == 0
    for _ in range(5):
        bench.s0_pulse()
        time.sleep_ms(25)  # slower than the debounce, as a real meter at 22 kW (16 ms)
        b.meter_pulses()  # the firmware reads as it goes (PCNT timestamps come from reads)
    count, last_ms, interval = b.meter_pulses()
    assert count == 5
    assert 15 <= interval <= 60, interval
    assert 0 <= time.ticks_diff(time.ticks_ms(), last_ms) < 100
    none = Bench(name, {"pins": {"s0": None}}).board
    assert none.meter_pulses() == (0, 0, 0)


def two_outlets(name):
    """"hardware": {"connectors": 2}: a second outlet on the board's PINS_2, with its own pilot,
    contactor and meter; the card reader, the NTC and the watchdog stay the board's."""
    from evse import pilot as fw
    import pilot_world

    bench = Bench(name, {"hardware": {"connectors": 2}})
    b, m = bench.board, bench.machine
    assert b.connectors == 2 and b.outlet(1) is b
    o = b.outlet(2)
    p2 = dict(type(b).PINS_2)
    for member in INTERFACE[:16]:  # the outlet's half of the board interface
        assert hasattr(o, member), member
    assert (o.phases, o.voltage, o.max_current_a, o.name) == (b.phases, b.voltage, 16, b.name)
    ev2 = pilot_world.PilotWorld(p2["pilot_pwm"], p2["pilot_adc"])
    ev2.state = "C"
    o.set_pwm(26.7)
    h, low = o.pilot_levels()
    assert fw.classify(h) == "C" and fw.diode_ok(low)
    assert fw.classify(b.pilot_levels()[0]) == "A"  # outlet 1's EV is not plugged in
    assert m.pwm_on(bench.pins["pilot_pwm"]).duty_u16() == 65535  # outlet 1 offers nothing
    assert m.pwm_on(p2["pilot_pwm"]).freq() == 1000
    o.set_contactor(True)
    assert m.pin(p2["contactor"]).level() == 1 and bench.pin_level("contactor") == 0
    m.drive(p2["contactor_fb"], 1)
    assert o.contactor_feedback() and not b.contactor_feedback()
    m.drive(p2["s0"], 1)
    for _ in range(3):
        m.drive(p2["s0"], 0)
        m.drive(p2["s0"], 1)
        time.sleep_ms(25)
        o.meter_pulses()
    assert o.meter_pulses()[0] == 3 and b.meter_pulses()[0] == 0
    assert o.temperature_c() == b.temperature_c() and abs(b.temperature_c() - 25) < 0.2
    try:
        b.reset(hard=True)
    except m.FakeReset:
        pass
    assert m.pin(p2["contactor"]).level() == 0  # every outlet made safe before the reset
    assert m.pwm_on(p2["pilot_pwm"]).duty_u16() == 65535
    # config.json mistakes are named
    for settings, words in (
            ({"hardware": {"connectors": 2}, "pins_2": {"contactor": bench.pins["contactor"]}},
             "pins_2.contactor: GPIO %s is also pins.contactor" % bench.pins["contactor"]),
            ({"pins_2": {"contactor": 5}}, "pins_2: needs hardware.connectors 2"),
            ({"hardware": {"connectors": 3}}, "hardware.connectors: must be a number from 1"),
            ({"hardware": {"connectors": 2}, "pins_2": {"temp_adc": 28}},
             "pins_2.temp_adc: unknown pin name")):
        try:
            Bench(name, settings, wiring=False)
            assert False, settings
        except ValueError as e:
            assert words in str(e), (str(e), words)
    assert Bench(name).board.connectors == 1


def rcd(name):
    bench = Bench(name)
    b, m = bench.board, bench.machine
    b.set_contactor(True)
    m.drive(bench.pins["rcd"], 1)  # the monitor trips
    assert bench.pin_level("contactor") == 0  # opened from the IRQ, before any poll
    m.drive(bench.pins["rcd"], 0)
    assert b.rcd_tripped()  # latched
    b.set_contactor(True)
    assert bench.pin_level("contactor") == 0  # refuses to close while tripped
    b.rcd_reset()
    assert not b.rcd_tripped()
    b.set_contactor(True)
    assert bench.pin_level("contactor") == 1
    assert not Bench(name, {"pins": {"rcd": None}}).board.rcd_tripped()


async def rcd_self_test(name):
    bench = Bench(name)
    assert await bench.board.rcd_self_test() is True
    assert not bench.board.rcd_tripped()
    bench.rcm_broken = True
    assert await bench.board.rcd_self_test() is False
    nt = Bench(name, {"pins": {"rcd_test": None}}).board
    assert await nt.rcd_self_test() is None


def cable_lock(name):
    bench = Bench(name, {"hardware": {"lock_pulse_ms": 20}})
    b = bench.board
    assert b.lock(True) is True and bench.pin_level("lock_fb") == 1
    assert b.lock(False) is True and bench.pin_level("lock_fb") == 0
    bench.lock_jammed = True
    assert b.lock(True) is False
    none = Bench(name, {"pins": {"lock_a": None, "lock_b": None, "lock_fb": None}}).board
    assert none.has_lock is False and none.lock(True) is None


def led(name):
    bench = Bench(name)
    b, m = bench.board, bench.machine
    p = m.pin(bench.pins["led"])
    b.led("fault")
    start = len(p.history)
    m.run_timers(2000)
    assert sum(p.history[start:]) == 10  # 5 Hz blink: on in 10 of 20 slots
    b.led("available")
    m.run_timers(500)
    assert p.level() == 1
    b.led("unavailable")
    m.run_timers(500)
    assert p.level() == 0


def temperature(name):
    bench = Bench(name)
    assert abs(bench.board.temperature_c() - 25) < 0.2
    assert Bench(name, {"pins": {"temp_adc": None}}).board.temperature_c() is None


def phase_selector(name, pin_a, pin_b):
    bench = Bench(name, {"pins": {"phase_a": pin_a, "phase_b": pin_b}})
    b, m = bench.board, bench.machine
    assert b.select_phase(3) is True
    assert (m.pin(pin_a).level(), m.pin(pin_b).level()) == (0, 1)
    b.set_contactor(True)
    assert b.select_phase(2) is False  # never under load
    assert (m.pin(pin_a).level(), m.pin(pin_b).level()) == (0, 1)
    assert Bench(name).board.select_phase(2) is None  # not fitted by default


def expect_config_error(name, settings, *words):
    try:
        Bench(name, settings)
    except ValueError as e:
        for w in words:
            assert w in str(e), (w, str(e))
        return
    raise AssertionError("accepted %r" % (settings,))


def bad_config(name, not_adc_pin):
    expect_config_error(name, {"pins": {"pilot_pwn": 3}}, "pins.pilot_pwn", "unknown")
    expect_config_error(name, {"pins": {"pilot_adc": not_adc_pin}}, "pins.pilot_adc", "ADC")
    expect_config_error(name, {"pins": {"contactor": None}}, "pins.contactor", "required")
    expect_config_error(name, {"pins": {"s0": 5, "rfid_cs": 5}}, "GPIO 5")
    expect_config_error(name, {"hardware": {"phases": 2}}, "hardware.phases")
    expect_config_error(name, {"hardware": {"max_current_a": "16"}}, "hardware.max_current_a")
    expect_config_error(name, {"hardware": {"contactor_fb": "maybe"}}, "hardware.contactor_fb")
    expect_config_error(name, {"pins": [1, 2]}, "pins")


def watchdog(name, default_ms, too_small, too_large):
    bench = Bench(name)
    assert bench.machine.wdt is None  # not armed until the agent feeds it
    bench.board.feed_watchdog()
    bench.board.feed_watchdog()
    assert bench.machine.wdt.timeout_ms == default_ms and bench.machine.wdt.feeds == 2
    expect_config_error(name, {"hardware": {"watchdog_ms": too_small}}, "hardware.watchdog_ms")
    expect_config_error(name, {"hardware": {"watchdog_ms": too_large}}, "hardware.watchdog_ms")


def watchdog_maintenance_flag(name):
    here = os.getcwd()
    d = tmpdir("wdt")
    try:
        os.chdir(d)
        with open("wdt_off", "w"):
            pass
        bench = Bench(name)
        bench.board.feed_watchdog()
        assert bench.machine.wdt is None
        assert any("wdt_off" in m for m in bench.logs)
        os.remove("wdt_off")
    finally:
        os.chdir(here)
        os.rmdir(d)


def reset(name):
    bench = Bench(name)
    b, m = bench.board, bench.machine
    b.set_contactor(True)
    b.set_pwm(50)
    for hard, kind in ((True, "hard"), (False, "soft")):
        try:
            b.reset(hard=hard)
        except m.FakeReset:
            pass
        assert m.resets[-1] == kind
    assert bench.pin_level("contactor") == 0  # outputs made safe first
    assert m.pwm_on(bench.pins["pilot_pwm"]).duty_u16() == 65535


def _udp_port():
    import random

    return 20000 + random.getrandbits(15)


async def start_network_clock_and_cards(name):
    from mfrc522_sim import Card
    from udp_world import UdpWorld

    settings = {"wifi": {"ssid": "depot", "password": "secret"}, "ntp_host": "ntp.example"}
    bench = Bench(name, settings)
    import network

    network.reset_world(ap=("depot", "secret"), port=_port(name))
    network.dns_server = "127.0.0.1"
    # the network's DNS and NTP server: 2025-12-05 12:00:00 UTC
    world = UdpWorld(_udp_port(), hosts={"ntp.example": "127.0.0.1"}, unix_time=1764936000)
    b = bench.board
    b.net.dns_port = b.net.ntp_port = world.port
    times = []
    b.on_time = lambda: times.append(1)
    cards = []
    b.on_card = cards.append
    changes = []
    b.on_network = changes.append
    await b.start()
    for _ in range(50):
        await asyncio.sleep_ms(20)
        if b.net.isconnected() and times:
            break
    world.close()
    assert b.net.isconnected() and times == [1], bench.logs
    assert world.asked == ["dns ntp.example", "ntp"]
    assert bench.machine.rtc_set == [(2025, 12, 5, 5, 12, 0, 0, 0)]  # weekday 1..7: a Friday
    assert changes == [True]  # the agent is told at once: it connects without waiting
    assert b.name_server() == ("127.0.0.1", world.port)  # the agent asks the same server
    bench.chip.present(Card(b"\x04\x11\x22\x33\x44\x55\x66"))
    for _ in range(30):
        await asyncio.sleep_ms(50)
        if cards:
            break
    assert cards == ["04112233445566"]


async def ntp_never_blocks_the_loop(name):
    """A name server that never answers: the board's other tasks keep running meanwhile (the
    connector loop feeds the watchdog), and the clock is left to the central system."""
    from udp_world import Ticker, UdpWorld

    bench = Bench(name, {"wifi": {"ssid": "depot", "password": "secret"}})
    import network

    network.reset_world(ap=("depot", "secret"), port=_port(name))
    network.dns_server = "127.0.0.1"
    world = UdpWorld(_udp_port())
    world.silent = True
    net = bench.board.net
    net.dns_port = net.ntp_port = world.port
    net.ntp_timeout_ms = 1500
    assert await net.join()
    ticker = Ticker()
    t0 = time.ticks_ms()
    ok = await net.sync_time()
    took = time.ticks_diff(time.ticks_ms(), t0)
    ticker.stop()
    world.close()
    assert not ok and net.ntp_ok_ms is None and bench.machine.rtc_set == []
    assert 1450 <= took < 2000, took  # the look-up's bound, and not more
    assert len(world.asked) >= 2  # asked again every second meanwhile
    assert ticker.longest_gap() < 500, ticker.longest_gap()  # the loop went on the whole time
    assert any("NTP" in m and "no answer" in m for m in bench.logs), bench.logs


async def wifi_reconnects(name):
    settings = {"wifi": {"ssid": "depot", "password": "secret"}, "ntp_host": "127.0.0.1"}
    bench = Bench(name, settings)
    import network

    b = bench.board
    net = b.net
    net.ntp_port = _udp_port()  # nothing listens there: the clock then comes from the CSMS
    net.ntp_timeout_ms = 200
    net.check_ms = 20
    net.backoff_min_ms = 20
    net._backoff = 20
    network.reset_world(ap=None, port=_port(name))  # access point not there yet
    task = asyncio.create_task(net.run())
    await asyncio.sleep_ms(150)
    assert not net.isconnected() and network.connects >= 1
    network.access_point = ("depot", "secret")
    for _ in range(50):
        await asyncio.sleep_ms(20)
        if net.isconnected():
            break
    assert net.isconnected() and net.joins == 1
    for _ in range(50):  # the NTP attempt ends before the loop checks the link again
        await asyncio.sleep_ms(20)
        if net.ntp_ok_ms is None and any("NTP" in m for m in bench.logs):
            break
    net.wlan.drop()  # the link goes away
    for _ in range(50):
        await asyncio.sleep_ms(20)
        if net.joins == 2:
            break
    assert net.isconnected() and net.joins == 2
    assert net.ntp_ok_ms is None and any("NTP" in m for m in bench.logs)
    task.cancel()


async def wrong_password_is_not_fatal(name):
    bench = Bench(name, {"wifi": {"ssid": "depot", "password": "nope"}})
    import network

    for ap in (("depot", "secret"), ("elsewhere", "nope")):  # wrong password, no such AP
        network.reset_world(ap=ap, port=_port(name))
        bench.board.net.join_timeout_ms = 600000  # a failure code ends the attempt, not this
        assert await asyncio.wait_for_ms(bench.board.net.join(), 5000) is False
        assert any("join failed" in m for m in bench.logs)


async def _until(bench, cond, ms=3000):
    t0 = time.ticks_ms()
    while not cond():
        assert time.ticks_diff(time.ticks_ms(), t0) < ms, bench.logs
        await asyncio.sleep_ms(10)


def _port(name):
    return "esp32" if name.startswith("esp32") else "rp2"


async def evse_session(name):
    """The firmware's EVSE controller on this board: plug, authorise, charge, pause, unplug."""
    from evse.controller import Evse
    from store import Store

    d = tmpdir("evse")
    bench = Bench(name)
    b, ev = bench.board, bench.ev
    e = Evse(b, Store(d + "/"), log=bench.logs.append)
    task = asyncio.create_task(e.run())

    try:
        ev.state = "B"
        await _until(bench, lambda: e.state == "B")
        e.offer(16)
        e.allow(True)
        pwm = bench.machine.pwm_on(bench.pins["pilot_pwm"])
        assert pwm.duty_u16() == 17498  # 26.7 % = 16 A
        ev.state = "C"
        await _until(bench, lambda: bench.pin_level("contactor") == 1)
        assert e.relay_closed and e.faults == []
        assert bench.machine.pin(bench.pins["rcd_test"]).history  # self-tested first
        ev.state = "B"
        t0 = time.ticks_ms()
        await _until(bench, lambda: bench.pin_level("contactor") == 0, 500)
        assert time.ticks_diff(time.ticks_ms(), t0) <= 100
        ev.state = "A"
        await _until(bench, lambda: e.state == "A")
        assert e.faults == []
    finally:
        task.cancel()
        rmtree(d)


async def two_outlet_sessions(name):
    """Two EVSE controllers on a two-outlet board, as start-up builds them: the EV at outlet 2
    charges while outlet 1 stays idle, and each contactor follows its own EV."""
    from evse.controller import Evse
    from store import Store
    import pilot_world

    d = tmpdir("evse2")
    bench = Bench(name, {"hardware": {"connectors": 2}})
    b, m = bench.board, bench.machine
    p2 = dict(type(b).PINS_2)
    ev2 = pilot_world.PilotWorld(p2["pilot_pwm"], p2["pilot_adc"])
    m.drive(p2["contactor_fb"], 0)
    m.pin(p2["contactor"]).listeners.append(lambda level: m.drive(p2["contactor_fb"], level))
    if p2.get("rcd") is not None:  # its own RCM module, whose test winding trips it
        m.drive(p2["rcd"], 0)
        m.pin(p2["rcd_test"]).listeners.append(lambda level: m.drive(p2["rcd"], level))
    store = Store(d + "/")
    e1 = Evse(b, store, log=bench.logs.append)
    e2 = Evse(b.outlet(2), store, log=bench.logs.append, n=2)
    tasks = [asyncio.create_task(e1.run()), asyncio.create_task(e2.run())]

    try:
        ev2.state = "B"
        await _until(bench, lambda: e2.state == "B")
        assert e1.state == "A"
        e2.offer(10)
        e2.allow(True)
        duty = m.pwm_on(p2["pilot_pwm"]).duty_u16()
        assert abs(duty - 65535 * 16.7 / 100) < 20, duty  # 16.7 % = 10 A
        assert m.pwm_on(bench.pins["pilot_pwm"]).duty_u16() == 65535
        ev2.state = "C"
        await _until(bench, lambda: m.pin(p2["contactor"]).level() == 1)
        assert bench.pin_level("contactor") == 0 and e2.relay_closed and not e1.relay_closed
        assert e2.faults == [] and e1.faults == []
        ev2.state = "A"
        await _until(bench, lambda: m.pin(p2["contactor"]).level() == 0, 500)
    finally:
        for t in tasks:
            t.cancel()
        rmtree(d)


def example_config(name):
    """boards/<name>/config.example.json passes the firmware's settings check and builds the
    board."""
    import json

    import settings

    from board_bench import ROOT

    path = ROOT + "/boards/" + name + "/config.example.json"
    with open(path) as f:
        cfg = json.load(f)
    settings.check(cfg)  # raises on a key the firmware finds invalid
    bench = Bench(name, cfg)
    assert bench.board.max_current_a == cfg["hardware"]["max_current_a"]
    assert bench.board.net.ssid == cfg["wifi"]["ssid"]
