"""The charge point: its connectors, the link to the central system, registration, heartbeat
and status, availability.

    run() -> connect (back-off; at once when the network comes back) -> BootNotification until
          Accepted -> StatusNotification 0..N -> Heartbeat / WebSocket ping while connected
          -> on loss, reconnect (no new boot)

Every OCPP message has its module, ocpp/ops/<Action>.py (ocpp/registry.py lists them): the
central system's commands are answered there, and the charge point's own messages are built
and their answers handled there. This module decides when they go.

Connector 0 is the charge point as a whole; connectors 1..n each have their EVSE (evse/) and
a Connector (ocpp/model/connector.py). The board is wired to the charge point where everything
is built (startup.py): a card (card()), a network change (network_changed()), the clock from
NTP (time_set()), the simulator's status (status_fields()); the board itself is never called
from here.
"""
import asyncio
import random
import time

from micropython import const

from ocpp.core import cache, rpc, ws
from ocpp.core.clock import Clock
from ocpp.model.connector import Connector
from ocpp.model.smartcharging import SmartCharging
from ocpp.model.txqueue import TxQueue

BACKOFF_MIN_MS = const(1000)
BACKOFF_MAX_MS = const(120000)
_CONNECT_TIMEOUT_MS = const(15000)
_DEFAULT_MAX_MESSAGE = const(16384)

ACCEPTED = "Accepted"
REJECTED = "Rejected"


class ChargePoint:
    """One charge point. ``evses``: one evse.controller.Evse per connector, in order.

    Hooks start-up may set: ``feed_watchdog`` (fn(), called by every connector's loop),
    ``model`` (the default chargePointModel), ``start_with`` (an async fn run as a task with
    the agent: the board's own tasks), ``reset_board`` (fn(hard): a Reset's reboot),
    ``name_server`` (fn() -> (address, port) of the DNS server to ask, or None: the port's own
    resolver; see udp.py)."""

    def __init__(self, settings, evses, store, config, url, log=print):
        self.settings = settings
        self.store = store
        self.config = config
        self.url = url
        self.log = log
        self.model = "unknown"
        self.feed_watchdog = _nothing
        self.start_with = None
        self.reset_board = None
        self.name_server = _no_name_server
        self.clock = Clock()
        self.cp_id = settings["charge_point_id"]
        self.max_message = settings.get("ws_max_message", _DEFAULT_MAX_MESSAGE)
        self.registration = None  # None (never answered), Pending, Accepted or Rejected
        self.boot_now = False  # TriggerMessage asked for a BootNotification while Pending
        self.logbook = None  # the log on flash (logbook.py), when startup.py made one
        self.diagnostics = None  # an upload's DiagnosticsStatusNotification status, while on
        self.firmware = None  # an update's FirmwareStatusNotification status, while on
        self.firmware_task = None
        self.getlog = None  # [its task, its requestId] while a GetLog upload runs
        self.updating = False  # a firmware update waits to install: nothing new starts
        self.connected = False
        self.tls_root = None  # SHA-256 (hex) of the root certificate the wss:// link ended at
        self.net_up = True  # the board's network; False: no connection can be made
        # DataTransfer: vendorId -> async fn(messageId, data) -> response payload
        self.vendors = {}
        self.n = n = len(evses)
        config.set("NumberOfConnectors", n)
        config.set("ConnectorPhaseRotationMaxLength", n + 1)
        config.set("ConnectorSwitch3to1PhaseSupported", all(e.switches_phases for e in evses))
        self.rpc = rpc.Rpc(log, timeout_s=config.get("MessageTimeout") or 30,
                           answers=_answers, context=self, streams=_streams)
        self.rpc.gate = self._gate
        self.txq = TxQueue(store, self.rpc, config, log)
        self.txq.on_result = self._tx_answered
        if url is None:
            self.txq.keep_locally()
        # index 0 is the charge point as a whole
        self.status = ["Available"] * (n + 1)
        self.error = ["NoError"] * (n + 1)
        self.reported = [None] * (n + 1)
        # operative: a bool per connector (0 first); scheduled: changes for when a transaction
        # ends (ocpp/model/availability.py, which keeps them on flash)
        self.operative = self.scheduled = None
        cache.use("model.availability").load(self)
        self.status_changed = asyncio.Event()
        self.reset_kind = None
        self._done = asyncio.Event()
        self._net_back = asyncio.Event()
        self._ws = None
        self._reconnect = False
        self._profile = config.get("SecurityProfile")
        self._fallback = None  # the SecurityProfile to go back to if the new one fails (A05)
        config.watch("AuthorizationKey", self._credentials_changed)
        config.watch("SecurityProfile", lambda v: self._credentials_changed(v, True))
        # [[reservationId, connectorId, idTag, parentIdTag, expiry], ...]: model/reservation.py
        self.reservations = cache.use("model.reservation").load(self)
        self.connectors = [Connector(self, evses[i], i + 1) for i in range(n)]
        self.smart = SmartCharging(self)
        self.clock.on_change = self._clock_moved
        self.rpc.on_exhausted = lambda what: self.security_event("MemoryExhaustion", what)
        self.event_times = {}  # security event -> when it was last logged (model/security.py)
        for c in self.connectors:
            c.recover()
        if not self.operative[0]:
            self.status[0] = "Unavailable"

    def connector(self, n):
        """Connector n (1..self.n)."""
        return self.connectors[n - 1]

    # -- the main loop -------------------------------------------------------------------------
    async def run(self):
        """Run until a Reset; returns "Hard" or "Soft"."""
        tasks = [asyncio.create_task(self.txq.run(self.online)),
                 asyncio.create_task(self.smart.run())]
        if self.url is None:
            self.log("stand-alone: no central system in config.json (csms_url): charging by "
                     "FreeCharging, transactions in the local log")
        else:
            tasks.append(asyncio.create_task(self._link()))
        for c in self.connectors:
            tasks.append(asyncio.create_task(c.evse.run()))
            tasks.append(asyncio.create_task(c.run()))
        if self.store.exists("fwupdate.json"):  # an update under way before the reboot
            cache.use("model.firmware").start(self)
            cache.done("model.firmware")
        if self.start_with:
            asyncio.create_task(self.start_with())
        await self._done.wait()
        for t in tasks:
            t.cancel()
        await asyncio.sleep_ms(0)
        return self.reset_kind

    def security_event(self, kind, tech=None):
        """A security event: logged, and sent if critical (ocpp/model/security.py)."""
        try:
            cache.use("model.security").event(self, kind, tech)
        except Exception as e:  # the event must never stop what raised it
            self.log("security event %s not recorded: %r" % (kind, e))
        finally:
            cache.done("model.security")

    def _clock_moved(self, seconds):
        self.smart.changed()
        if abs(seconds) >= 60:  # a correction, not the drift of a crystal
            self.security_event("SettingSystemTime", "moved by %d s" % seconds)

    def online(self):
        """Connected and accepted: OCPP requests may be sent."""
        return self.connected and self.registration == ACCEPTED

    async def send_quietly(self, action, *args):
        """Send one of our messages that is not transaction-related (ocpp/ops/<action>.py
        send(cp, *args)); log, never raise, if it fails. Nothing is kept when offline."""
        try:
            await cache.use("ops." + action).send(self, *args)
        except (rpc.CallError, rpc.NotConnected, asyncio.TimeoutError) as e:
            self.log("%s not delivered: %s" % (action, _why(e)))
        finally:
            cache.done("ops." + action)

    def auth(self):
        """The authorization rules and cache (ocpp/model/authorization.py). Loaded for a card,
        a remote start or an answer carrying an idTagInfo."""
        return cache.use("model.authorization").Authorization(self)

    # -- what the board tells (wired by startup.py) --------------------------------------------
    def card(self, id_tag, connector=None):
        """An idTag at a card reader: the reader of `connector`, or (None) the one reader of
        the charge point, whose card goes to the connector it concerns (OCTT: one reader for
        several connectors; ocpp/model/transaction.py card_connector())."""
        if connector is None:
            connector = 1 if self.n == 1 else \
                cache.use("model.transaction").card_connector(self, id_tag)
        if 1 <= connector <= self.n:
            self.connector(connector).present(id_tag)

    def time_set(self):
        """The board set the clock from NTP: it wins over the central system's time."""
        self.clock.offset = 0
        self.clock.synced = True
        self.clock.ntp = True
        self.smart.changed()

    def network_changed(self, up):
        """The board's network went down (the link is gone: drop it now) or came back
        (connect at once instead of waiting out the back-off)."""
        self.net_up = up
        if up:
            self._net_back.set()
        else:
            asyncio.create_task(self.drop_link("network down", abort=True))

    def status_fields(self, n=1):
        """The agent's fields in the simulator's `status` answer for connector n."""
        return cache.use("model.report").status_fields(self, n)

    # -- the link ------------------------------------------------------------------------------
    async def _link(self):
        backoff = BACKOFF_MIN_MS
        while True:
            try:
                sock = await self._connect()
            except Exception as e:
                try:  # a security event, and back to the profile that worked (A05)
                    cache.use("model.credentials").failed(self, e, _why(e))
                finally:
                    cache.done("model.credentials")
                # Randomised so a fleet does not reconnect in lockstep after an outage.
                wait = backoff // 2 + random.getrandbits(16) % (backoff // 2 + 1)
                self.log("link: connect failed (%s); retry in %d ms" % (_why(e), wait))
                await self._pause(wait)
                backoff = min(backoff * 2, BACKOFF_MAX_MS)
                continue
            backoff = BACKOFF_MIN_MS
            self._fallback = None  # the profile in force works
            await self._serve(sock)
            if self._reconnect:
                self._reconnect = False
            else:
                await self._pause(BACKOFF_MIN_MS // 2 + random.getrandbits(8))

    async def _pause(self, ms):
        """Wait ms, or until the network comes back."""
        self._net_back.clear()
        try:
            await asyncio.wait_for_ms(self._net_back.wait(), ms)
        except asyncio.TimeoutError:
            pass

    async def _connect(self):
        if not self.net_up:
            raise OSError("the network is down")
        try:
            headers, context = cache.use("model.credentials").credentials(self)
        finally:
            cache.done("model.credentials")
        return await ws.connect(self.url, protocols=("ocpp1.6",), headers=headers, ssl=context,
                                timeout_ms=_CONNECT_TIMEOUT_MS, max_size=self.max_message,
                                name_server=self.name_server())

    async def _serve(self, sock):
        self.log("link: connected")
        self._ws = sock
        self.rpc.ws = sock
        sock.streams = self.rpc.wants_stream
        self.connected = True
        session = asyncio.create_task(self._session(sock))
        try:
            while True:
                try:
                    text = await sock.recv()
                except ws.MessageTooBig as e:  # over the limit, or binary: answered, kept
                    await self.rpc.handle_too_big(sock, e.size, e.head, self.max_message,
                                                  e.binary)
                    continue
                if text is None:
                    break
                if type(text) is not str:  # a long CALL, read as it arrives
                    await self.rpc.handle_stream(sock, text)
                    continue
                self.log("<< " + _redact(text))
                await self.rpc.handle_text(sock, text)
        except Exception as e:
            self.log("link: lost (%s)" % _why(e))
        self.connected = False
        self._ws = None
        self.rpc.disconnected()
        session.cancel()
        try:
            await sock.close()
        except Exception:
            pass
        self.log("link: disconnected")

    async def _session(self, sock):
        try:
            if self.registration != ACCEPTED:
                await self._boot()
            self.reported = [None] * (self.n + 1)  # report what changed while offline
            asyncio.create_task(self._pinger(sock))
            await self._keepalive()
        except asyncio.CancelledError:
            pass
        except rpc.NotConnected:
            pass

    # -- registration --------------------------------------------------------------------------
    async def _boot(self):
        """BootNotification until Accepted; nothing else is sent before (OCPP 1.6 4.2)."""
        try:
            interval = await cache.use("ops.BootNotification").send(self)
        finally:
            cache.done("ops.BootNotification")
        if interval > 0:
            self.config.set("HeartbeatInterval", interval)

    def _gate(self, action):
        """What may be done with a central-system CALL in the current registration state."""
        # 4.2: a rejected charge point does not answer. Before the first answer to our
        # BootNotification the central system may already ask (its CALL can overtake its own
        # CALLRESULT on the wire), so those are answered.
        return "drop" if self.registration == REJECTED else None

    # -- keeping the link alive ----------------------------------------------------------------
    async def _keepalive(self):
        """StatusNotification on every change; Heartbeat after HeartbeatInterval of silence.
        Lives as long as the link: a message that finds no heap, or fails, goes next round."""
        while True:
            try:
                await self._report_status()
                interval_ms = self.config.get("HeartbeatInterval") * 1000
                idle = time.ticks_diff(time.ticks_ms(), self.rpc.last_tx_ms)
                if interval_ms > 0 and idle >= interval_ms:
                    try:
                        await cache.use("ops.Heartbeat").send(self)
                    except (rpc.CallError, asyncio.TimeoutError) as e:
                        self.log("heartbeat: %s" % _why(e))
                    finally:
                        cache.done("ops.Heartbeat")
                    continue
            except rpc.NotConnected:
                return  # the link is gone: the next one starts its own
            except Exception as e:
                # No room for a message this moment (a big answer is going out), or a fault:
                # what was not sent goes on the next round. This loop must never die, nor spin.
                self.log("link: %s sending a status or heartbeat; again in 1 s" % _why(e))
                await asyncio.sleep_ms(1000)
                continue
            # Sleep in short steps so a changed HeartbeatInterval or status applies at once.
            self.status_changed.clear()
            try:
                await asyncio.wait_for_ms(self.status_changed.wait(), 1000)
            except asyncio.TimeoutError:
                pass

    async def _pinger(self, sock):
        """WebSocket ping every WebSocketPingInterval; a link silent for two intervals is dead."""
        while sock is self._ws:
            interval = self.config.get("WebSocketPingInterval")
            if interval <= 0:
                await asyncio.sleep(1)
                continue
            await asyncio.sleep(interval)
            if sock is not self._ws:
                return
            if time.ticks_diff(time.ticks_ms(), sock.last_rx_ms) > 2 * interval * 1000 + 1000:
                self.log("link: no pong for %d s; closing" % (2 * interval))
                await sock.close()
                return
            try:
                await sock.ping()
            except MemoryError:
                pass  # the link is fine; the next interval pings again
            except Exception:
                return

    # -- connector status ----------------------------------------------------------------------
    def set_status(self, connector, status, error="NoError"):
        if self.status[connector] != status or self.error[connector] != error:
            self.status[connector] = status
            self.error[connector] = error
            self.status_changed.set()

    async def _report_status(self):
        for c in range(self.n + 1):
            now = (self.status[c], self.error[c])
            if self.reported[c] != now:
                self.reported[c] = now
                try:
                    await cache.use("ops.StatusNotification").send(self, c)
                except (rpc.CallError, asyncio.TimeoutError) as e:
                    self.log("StatusNotification: %s" % _why(e))
                except BaseException:
                    self.reported[c] = None  # never went out
                    raise
                finally:
                    cache.done("ops.StatusNotification")

    # -- answers to queued transaction messages ------------------------------------------------
    def _tx_answered(self, action, record, conf):
        # StartTransaction and StopTransaction carry an idTagInfo and ids to keep; the other
        # queued messages (MeterValues, SecurityEventNotification) need nothing loaded
        if action != "StartTransaction" and action != "StopTransaction":
            return
        try:
            cache.use("ops." + action).answered(self, record, conf)
        finally:
            cache.done("ops." + action)

    # -- credentials and restarts --------------------------------------------------------------
    def _credentials_changed(self, value, profile=False):
        # A01 / A05: reconnect with the new password or profile once the answer is sent; a
        # new profile is kept only if a connection with it works (model/credentials.py).
        if profile:
            self._fallback = self._profile
            self._profile = value
        self.security_event("ReconfigurationOfSecurityParameters",
                            "SecurityProfile %d" % value if profile else "AuthorizationKey")
        self._reconnect = True
        asyncio.create_task(self.drop_link("credentials changed", 200))

    async def drop_link(self, why, delay_ms=0, abort=False):
        """Close the link now (after delay_ms), saying why; _link() then connects again.
        abort: no close handshake (the network is gone)."""
        await asyncio.sleep_ms(delay_ms)
        sock = self._ws
        if sock is not None:
            self.log("link: %s; closing" % why)
            await (sock.abort() if abort else sock.close())

    def finish(self, kind):
        """Leave run() so that main.py resets the board ("Soft" or "Hard"; ocpp/ops/Reset.py
        has stopped what runs and closed the link)."""
        self.reset_kind = kind
        if self.logbook is not None:
            self.logbook.flush()
        self._done.set()


def _nothing():
    pass


def _no_name_server():
    return None


def _answers(action):
    # The registry says which central-system commands have a module (ocpp/registry.py); it is
    # loaded through the cache like them, so a small heap need not keep it.
    return cache.use("registry").answers(action)


def _streams(action):
    return cache.use("registry").streams(action)


def _redact(frame):
    """A frame for the log: shortened, and never with the AuthorizationKey in it."""
    if "AuthorizationKey" in frame:
        return frame[:frame.index("AuthorizationKey")] + "AuthorizationKey ...(not logged)"
    return frame[:300]


def _why(e):
    return "%s %s" % (type(e).__name__, e)
