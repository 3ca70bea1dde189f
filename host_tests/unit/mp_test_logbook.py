# logbook.py under MicroPython: lines kept on flash with their time, the buffer flushed when
# full or FLUSH_S old, the file rotated at its size (at most two on flash), the MeterValues and
# Heartbeat frames kept out unless verbose, and verbose ending by itself after 24 hours.
from logbook import FLUSH_S, NAME, OLD, Logbook
from mp_tmp import fresh_dir, rmtree
from store import Store


class Clock:
    t = 1000

    def __call__(self):
        return self.t


def book(d, **kw):
    lb = Logbook(Store(d + "/"), **kw)
    lb.now = Clock()
    return lb


def read(d, name=NAME):
    try:
        with open(d + "/" + name, "rb") as f:
            return f.read()
    except OSError:
        return b""


def test_lines_reach_flash_when_the_buffer_fills_or_ages():
    d = fresh_dir("mp_lb")
    try:
        lb = book(d, buffer=64)
        lb("first")
        assert read(d) == b""  # buffered
        lb.now.t += FLUSH_S
        lb("second")  # the oldest is FLUSH_S old: both go out
        assert read(d) == b"1000 first\n1010 second\n"
        lb("x" * 100)  # longer than the buffer: written at once
        assert read(d).endswith(b"1010 " + b"x" * 100 + b"\n")
        lb("third")
        lb.flush()
        assert read(d).endswith(b"1010 third\n")
    finally:
        rmtree(d)


def test_the_log_rotates_and_keeps_two_files():
    d = fresh_dir("mp_lb")
    try:
        lb = book(d, size=200, buffer=32)
        for i in range(60):
            lb("line %02d" % i)
        lb.flush()
        new, old = read(d), read(d, OLD)
        assert 0 < len(new) <= 200 + 32 and 200 <= len(old) <= 200 + 32
        assert new.endswith(b"line 59\n") and b"line 00" not in new + old
        lines = (old + new).splitlines()
        numbers = [int(l.split()[-1]) for l in lines]
        assert numbers == list(range(numbers[0], 60))  # in order, nothing lost between them
    finally:
        rmtree(d)


def test_meter_values_and_heartbeats_only_when_verbose():
    d = fresh_dir("mp_lb")
    try:
        lb = book(d)
        ended = []
        lb.on_verbose_end = lambda: ended.append(1)
        lb('>> [2, "1", "MeterValues", {}]')
        lb('>> [2, "2", "Heartbeat", {}]')
        lb('>> [2, "3", "StatusNotification", {}]')
        lb.verbose(True)
        lb('>> [2, "4", "Heartbeat", {}]')
        lb.now.t += 86400
        lb('>> [2, "5", "Heartbeat", {}]')  # the 24 hours are over
        lb.flush()
        text = read(d)
        assert b'"1"' not in text and b'"2"' not in text and b'"3"' in text
        assert b'"4"' in text and b'"5"' not in text and ended == [1]
    finally:
        rmtree(d)
