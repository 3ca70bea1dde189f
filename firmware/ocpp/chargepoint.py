"""The charge point: connection to the central system, registration, heartbeat and status.

    run() -> connect (back-off) -> BootNotification until Accepted -> StatusNotification 0..N
          -> Heartbeat / WebSocket ping while connected -> on loss, reconnect (no new boot)

Central-system commands are handled each by its own module, ocpp/ops/<Action>.py (OPS below):
imported when the CALL arrives and dropped after it, so a rarely used command costs no heap
while it is not running. The charge point's own messages are sent from here (boot, heartbeat,
status), from connector.py (transactions, through txqueue.py) and from auth.py (Authorize).
"""
import asyncio
import random
import time

from micropython import const

from ocpp import lazy, rpc, ws
from ocpp.clock import Clock
from ocpp.connector import Connector
from ocpp.txqueue import TxQueue

NUM_CONNECTORS = const(1)
BACKOFF_MIN_MS = const(1000)
BACKOFF_MAX_MS = const(120000)
_CONNECT_TIMEOUT_MS = const(15000)
_DEFAULT_MAX_MESSAGE = const(16384)

ACCEPTED = "Accepted"
REJECTED = "Rejected"

# The central system's commands this charge point implements: one module each in ocpp/ops.
OPS = ("ChangeAvailability", "ChangeConfiguration", "ClearCache", "DataTransfer",
       "GetConfiguration", "RemoteStartTransaction", "RemoteStopTransaction", "Reset",
       "TriggerMessage", "UnlockConnector")


class ChargePoint:
    def __init__(self, settings, board, evse, store, config, url, log=print):
        self.settings = settings
        self.board = board
        self.evse = evse
        self.store = store
        self.config = config
        self.url = url
        self.log = log
        self.clock = Clock()
        self.cp_id = settings["charge_point_id"]
        self.max_message = settings.get("ws_max_message", _DEFAULT_MAX_MESSAGE)
        self.registration = None  # None (never answered), Pending, Accepted or Rejected
        self.connected = False
        # DataTransfer: vendorId -> async fn(messageId, data) -> response payload
        self.vendors = {}
        config.set("SupportedFeatureProfiles", "Core,RemoteTrigger")
        self.rpc = rpc.Rpc({}, log, timeout_s=config.get("MessageTimeout") or 30, ops=OPS,
                           context=self)
        self.rpc.gate = self._gate
        self.txq = TxQueue(store, self.rpc, config, log)
        self.txq.on_result = self._tx_answered
        # connector 0 is the charge point as a whole
        self.status = ["Available"] * (NUM_CONNECTORS + 1)
        self.error = ["NoError"] * (NUM_CONNECTORS + 1)
        self.reported = [None] * (NUM_CONNECTORS + 1)
        self.status_changed = asyncio.Event()
        self.reset_kind = None
        self._done = asyncio.Event()
        self._ws = None
        self._reconnect = False
        config.watch("AuthorizationKey", self._credentials_changed)
        config.watch("SecurityProfile", self._credentials_changed)
        self.connector = Connector(self, evse)
        self.connector.recover()
        if not self.connector.operative[0]:
            self.status[0] = "Unavailable"
        board.status_fields = self.status_fields
        board.on_card = self._card
        board.on_time = self._time_set

    # -- the main loop -------------------------------------------------------------------------
    async def run(self):
        """Run until a Reset; returns "Hard" or "Soft"."""
        tasks = [asyncio.create_task(self.evse.run()),
                 asyncio.create_task(self.connector.run()),
                 asyncio.create_task(self.txq.run(self.online)),
                 asyncio.create_task(self._link())]
        asyncio.create_task(self.board.start(self))
        await self._done.wait()
        for t in tasks:
            t.cancel()
        await asyncio.sleep_ms(0)
        return self.reset_kind

    def online(self):
        """Connected and accepted: OCPP requests may be sent."""
        return self.connected and self.registration == ACCEPTED

    def send_later(self, action, payload):
        """Send a message that is not transaction-related; it is lost if offline."""
        if self.online():
            asyncio.create_task(self.send_quietly(action, payload))

    async def send_quietly(self, action, payload):
        """Send a message that is not transaction-related; log, do not raise, if it fails."""
        try:
            await self.rpc.call(action, payload)
        except (rpc.CallError, rpc.NotConnected, asyncio.TimeoutError) as e:
            self.log("%s not delivered: %s" % (action, _why(e)))

    def auth(self):
        """The authorization rules and cache (ocpp/auth.py). Loaded for a card, a remote start
        or an answer carrying an idTagInfo; the connector drops the module when it is idle."""
        return lazy.use("auth").Authorization(self.store, self.config, self.clock, self.rpc,
                                              self.log)

    def _time_set(self):
        """The board set the clock from NTP: it wins over the central system's time."""
        self.clock.offset = 0
        self.clock.synced = True
        self.clock.ntp = True

    def _card(self, id_tag):
        asyncio.create_task(self.connector.present(id_tag))

    def _tx_answered(self, action, record, conf):
        if action == "StartTransaction":
            self.connector.start_answered(record["r"], conf)
        elif action == "StopTransaction" and conf.get("idTagInfo"):
            self.auth().remember(record["p"].get("idTag"), conf["idTagInfo"])

    async def _link(self):
        backoff = BACKOFF_MIN_MS
        while True:
            try:
                sock = await self._connect()
            except Exception as e:
                # Randomised so a fleet does not reconnect in lockstep after an outage.
                wait = backoff // 2 + random.getrandbits(16) % (backoff // 2 + 1)
                self.log("link: connect failed (%s); retry in %d ms" % (_why(e), wait))
                await asyncio.sleep_ms(wait)
                backoff = min(backoff * 2, BACKOFF_MAX_MS)
                continue
            backoff = BACKOFF_MIN_MS
            await self._serve(sock)
            if self._reconnect:
                self._reconnect = False
            else:
                await asyncio.sleep_ms(BACKOFF_MIN_MS // 2 + random.getrandbits(8))

    async def _connect(self):
        try:
            headers, context = lazy.use("linkup").credentials(self)
        finally:
            lazy.drop("linkup")  # before the connection code (ws.py's wsopen) loads
        return await ws.connect(self.url, protocols=("ocpp1.6",), headers=headers, ssl=context,
                                timeout_ms=_CONNECT_TIMEOUT_MS, max_size=self.max_message)

    async def _serve(self, sock):
        self.log("link: connected")
        self._ws = sock
        self.rpc.ws = sock
        self.connected = True
        session = asyncio.create_task(self._session(sock))
        try:
            while True:
                try:
                    text = await sock.recv()
                except ws.MessageTooBig as e:
                    await self.rpc.handle_too_big(sock, e.size, e.head, self.max_message)
                    continue
                if text is None:
                    break
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
            self.reported = [None] * (NUM_CONNECTORS + 1)  # report what changed while offline
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
            interval = await lazy.use("boot").register(self)
        finally:
            lazy.drop("boot")  # before the configuration code loads
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
        """StatusNotification on every change; Heartbeat after HeartbeatInterval of silence."""
        while True:
            try:
                await self._report_status()
                interval_ms = self.config.get("HeartbeatInterval") * 1000
                idle = time.ticks_diff(time.ticks_ms(), self.rpc.last_tx_ms)
                if interval_ms > 0 and idle >= interval_ms:
                    try:
                        conf = await self.rpc.call("Heartbeat", {})
                        self.clock.sync(conf["currentTime"])
                    except (rpc.CallError, asyncio.TimeoutError) as e:
                        self.log("heartbeat: %s" % _why(e))
                    continue
            except MemoryError:
                # No room for a message this moment (a big answer is going out): what was not
                # sent goes on the next round. This loop must never die of it, nor spin.
                self.log("link: MemoryError sending a status or heartbeat; again in 1 s")
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
        for c in range(NUM_CONNECTORS + 1):
            now = (self.status[c], self.error[c])
            if self.reported[c] != now:
                self.reported[c] = now
                try:
                    await self.status_notification(c)
                except MemoryError:
                    self.reported[c] = None  # never went out
                    raise

    async def status_notification(self, c):
        """StatusNotification of connector c with its current status."""
        try:
            await self.rpc.call("StatusNotification", {
                "connectorId": c, "errorCode": self.error[c], "status": self.status[c],
                "timestamp": self.clock.iso()})
        except (rpc.CallError, asyncio.TimeoutError) as e:
            self.log("StatusNotification: %s" % _why(e))

    def status_fields(self):
        """Agent fields in the simulator's `status` answer."""
        fields = self.evse.status_fields()
        fields.update({"connector_status": self.status[1],
                       "transaction_id": self.connector.transaction_id(),
                       "in_transaction": self.connector.tx is not None,
                       "queued_messages": len(self.txq),
                       "registration": self.registration, "connected": self.connected})
        return fields

    # -- credentials and restarts --------------------------------------------------------------
    def _credentials_changed(self, value):
        # A01 / A05: reconnect with the new password or profile once the answer is sent.
        self._reconnect = True
        asyncio.create_task(self._drop_link())

    async def _drop_link(self):
        await asyncio.sleep_ms(200)
        sock = self._ws
        if sock is not None:
            self.log("link: credentials changed; reconnecting")
            await sock.close()

    async def restart(self, kind):
        """Leave run() so that main.py resets the board ("Soft" or "Hard")."""
        self.evse.allow(False)
        self.evse.persist()
        self.reset_kind = kind
        sock = self._ws
        if sock is not None:
            await sock.close()
        self._done.set()


def _redact(frame):
    """A frame for the log: shortened, and never with the AuthorizationKey in it."""
    if "AuthorizationKey" in frame:
        return frame[:frame.index("AuthorizationKey")] + "AuthorizationKey ...(not logged)"
    return frame[:300]


def _why(e):
    return "%s %s" % (type(e).__name__, e)
