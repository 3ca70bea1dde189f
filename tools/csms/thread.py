"""CentralSystemThread: a CentralSystem in its own thread and event loop, driven synchronously
(pytest, make bench)."""
import asyncio
import threading
import time

from csms.server import CentralSystem, _cut, find_call


# --- synchronous facade for pytest ---------------------------------------------------------------

class CentralSystemThread:
    """A CentralSystem running in its own thread and event loop, driven synchronously.

    cs = CentralSystemThread(boot_interval=300).start(); ...; cs.stop(). Responders run in that
    thread: keep them quick, and never call back into this facade from one (it would deadlock)."""

    def __init__(self, **kwargs):
        self.cs = CentralSystem(**kwargs)
        self._loop = None
        self._thread = None
        self._changed = threading.Condition()
        self.cs.listeners.append(self._wake)

    def _wake(self):
        with self._changed:
            self._changed.notify_all()

    def start(self):
        """Start listening (blocks until bound); returns self."""
        started = threading.Event()
        failure = []

        def run():
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            try:
                loop.run_until_complete(self.cs.start())
            except BaseException as e:  # noqa: BLE001 - re-raised in the caller's thread
                failure.append(e)
                started.set()
                loop.close()
                return
            started.set()
            try:
                loop.run_forever()
            finally:
                tasks = asyncio.all_tasks(loop)
                for task in tasks:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
                loop.close()

        self._thread = threading.Thread(target=run, name="csms", daemon=True)
        self._thread.start()
        started.wait()
        if failure:
            self._thread = None
            raise failure[0]
        return self

    def stop(self):
        """Close every connection and stop the thread; calling it again does nothing."""
        if self._thread is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self.cs.stop(), self._loop).result(15)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(15)
            self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _run(self, coro, timeout):
        if self._thread is None:
            coro.close()
            raise RuntimeError("the central system is not running")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    @property
    def port(self):
        return self.cs.port

    @property
    def messages(self):
        """A snapshot of every frame so far (list of Msg)."""
        return list(self.cs.messages)

    @property
    def violations(self):
        """The live list of violations (str): clear() it to forget expected ones."""
        return self.cs.violations

    def mark(self):
        """The current number of messages, to pass as `since`."""
        return len(self.cs.messages)

    def call(self, cp_id, action, payload, timeout=30, **kwargs):
        """CentralSystem.call() from this thread; returns the CALLRESULT payload dict."""
        return self._run(self.cs.call(cp_id, action, payload, timeout, **kwargs), timeout + 5)

    def send_raw(self, cp_id, text):
        self._run(self.cs.send_raw(cp_id, text), 10)

    def disconnect(self, cp_id, code=1000, reason=""):
        self._run(self.cs.disconnect(cp_id, code, reason), 10)

    def _wait(self, find, timeout, what, check=None):
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                if check is not None:
                    check()
                found = find()
                if found is not None:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    recent = [_cut(m.raw, 120) for m in self.cs.messages[-5:]]
                    raise TimeoutError("%s not seen within %ss; last frames: %s"
                                       % (what, timeout, recent))
                self._changed.wait(min(left, 0.5))

    def wait_for(self, cp_id, action, *, direction="in", predicate=None, timeout=10, since=0,
                 fields=None, check=None):
        """The first CALL `action` at index >= since, sent by the CP (direction "in") or by us
        ("out"), whose payload satisfies predicate and has the values in `fields`; TimeoutError
        otherwise. `check`, if given, is called while waiting (it may raise to give up sooner).

        A CALL from the CP is returned once our answer to it is on its way too, so what a test
        sends next reaches the CP after that answer (e.g. after BootNotification.conf). If the
        answer never comes (the connection dropped, a responder hangs), the CALL is returned when
        the timeout is up."""
        deadline = time.monotonic() + timeout
        position = [since]
        seen = []

        def find():
            msgs = self.cs.messages
            if not seen:
                found = find_call(msgs, cp_id, action, position[0], direction, predicate, fields)
                if found is None:
                    position[0] = len(msgs)
                    return None
                seen.append(found[1])
                position[0] = found[0] + 1
            call = seen[0]
            if direction != "in" or time.monotonic() >= deadline - 0.05:
                return call
            for i in range(position[0], len(msgs)):
                m = msgs[i]
                if m.cp_id == cp_id and m.direction == "out" and isinstance(m.parsed, list) \
                        and len(m.parsed) > 1 and m.parsed[0] in (3, 4) \
                        and m.parsed[1] == call.parsed[1]:
                    return call
            position[0] = len(msgs)
            return None

        return self._wait(find, timeout, "%s %s from %s" % (direction, action, cp_id), check)

    def wait_reply(self, unique_id, timeout=10, cp_id=None, direction="in"):
        """The CP's CALLRESULT or CALLERROR (a Msg) to our CALL with that unique id (or, with
        direction="out", ours to the CP's CALL)."""
        def find():
            for m in self.cs.messages:
                p = m.parsed
                if m.direction == direction and isinstance(p, list) and len(p) >= 2 \
                        and p[0] in (3, 4) and p[1] == unique_id \
                        and (cp_id is None or m.cp_id == cp_id):
                    return m
            return None

        return self._wait(find, timeout, "a reply to %r" % (unique_id,))

    def wait_connected(self, cp_id, timeout=10, count=1):
        """Wait until `cp_id` has an open connection and has connected at least `count` times
        in all (count=cs.connect_count[cp_id] + 1 waits for a reconnection)."""
        return self._wait(lambda: True if cp_id in self.cs.connected
                          and self.cs.connect_count.get(cp_id, 0) >= count else None, timeout,
                          "connection %d from %s" % (count, cp_id))
