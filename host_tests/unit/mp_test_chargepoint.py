"""ocpp/model/chargepoint.py: the charge point's own loops (keepalive: StatusNotification, Heartbeat;
the transaction queue) survive a moment with no heap for a message."""
import asyncio

import board as unix_board
from evse.controller import Evse
from mp_tmp import fresh_dir, rmtree
from ocpp.model.chargepoint import ChargePoint
from ocpp.core.config import Config
from store import Store


def _quiet(msg):
    pass


class _ChargePoint:
    """with _ChargePoint() as (cp, logs): a charge point on a fresh store, connected and
    accepted, logging into the list `logs`; its directory is removed afterwards."""

    def __enter__(self):
        self.root = fresh_dir()
        logs = []
        store = Store(self.root, log=_quiet)
        config = Config(store, log=_quiet)
        board = unix_board.Board({}, log=_quiet)
        evse = Evse(board, store, log=_quiet)
        cp = ChargePoint({"charge_point_id": "CP_T"}, [evse], store, config,
                         "ws://127.0.0.1:9/CP_T", log=logs.append)
        cp.connected = True
        cp.registration = "Accepted"
        return cp, logs

    def __exit__(self, *exc):
        rmtree(self.root)


def _fake_calls(cp, fail_first):
    """rpc.call replaced: records (action, connectorId); the first `fail_first` calls find no
    memory, as a send in a full heap does."""
    sent = []

    async def call(action, payload):
        sent.append((action, payload.get("connectorId")))
        if len(sent) <= fail_first:
            raise MemoryError("memory allocation failed, allocating 336 bytes")
        return {"currentTime": "2026-01-01T00:00:00Z"} if action == "Heartbeat" else {}

    cp.rpc.call = call
    return sent


async def test_a_status_that_found_no_memory_is_sent_again_and_the_loop_lives_on():
    with _ChargePoint() as (cp, logs):
        sent = _fake_calls(cp, fail_first=1)
        task = asyncio.create_task(cp._keepalive())
        await asyncio.sleep_ms(1300)  # the retry comes after 1 s, not at once
        assert sent[:3] == [("StatusNotification", 0), ("StatusNotification", 0),
                            ("StatusNotification", 1)], sent
        assert any("MemoryError" in line for line in logs), logs
        cp.set_status(1, "Unavailable")  # and it still reports changes
        await asyncio.sleep_ms(50)
        assert sent[-1] == ("StatusNotification", 1), sent
        task.cancel()


async def test_a_heartbeat_that_found_no_memory_does_not_spin():
    with _ChargePoint() as (cp, logs):
        cp.reported = [("Available", "NoError")] * 2  # statuses already reported
        cp.config.set("HeartbeatInterval", 1)
        cp.rpc.last_tx_ms -= 5000  # silent for long: a heartbeat is due
        sent = _fake_calls(cp, fail_first=3)
        task = asyncio.create_task(cp._keepalive())
        await asyncio.sleep_ms(500)
        assert sent == [("Heartbeat", None)], sent  # one try, then a pause: no busy loop
        await asyncio.sleep_ms(700)
        assert len(sent) == 2, sent
        task.cancel()


async def test_the_transaction_queue_survives_a_send_with_no_memory():
    with _ChargePoint() as (cp, logs):
        sent = _fake_calls(cp, fail_first=1)
        cp.txq.push("MeterValues", {"connectorId": 1, "meterValue": []})
        task = asyncio.create_task(cp.txq.run(cp.online))
        await asyncio.sleep_ms(1300)
        assert sent == [("MeterValues", 1), ("MeterValues", 1)], sent  # kept, sent again
        assert len(cp.txq) == 0
        assert any("txqueue: MemoryError" in line for line in logs), logs
        task.cancel()


async def test_the_transaction_queue_survives_any_error_of_a_send():
    # A link that breaks under a send, or any fault, must not end the sender: a dead task
    # would deliver nothing until a reboot.
    with _ChargePoint() as (cp, logs):
        sent = []

        async def call(action, payload):
            sent.append(action)
            if len(sent) == 1:
                raise OSError("connection is closed")
            return {}

        cp.rpc.call = call
        cp.txq.push("MeterValues", {"connectorId": 1, "meterValue": []})
        task = asyncio.create_task(cp.txq.run(cp.online))
        await asyncio.sleep_ms(1300)
        assert sent == ["MeterValues", "MeterValues"] and len(cp.txq) == 0, sent
        task.cancel()


async def test_the_keepalive_survives_any_error_of_a_send():
    with _ChargePoint() as (cp, logs):
        sent = []

        async def call(action, payload):
            sent.append(action)
            if len(sent) == 1:
                raise ValueError("a bug somewhere")
            return {}

        cp.rpc.call = call
        task = asyncio.create_task(cp._keepalive())
        await asyncio.sleep_ms(1300)
        assert sent[:3] == ["StatusNotification"] * 3, sent  # 0 again after the pause, then 1
        task.cancel()


def test_a_card_while_another_is_handled_waits_its_turn():
    with _ChargePoint() as (cp, logs):
        c = cp.connector(1)
        seen = []

        from ocpp.model import transaction

        async def slow(connector, tag):
            seen.append(tag)
            await asyncio.sleep_ms(50)

        real = transaction.present
        transaction.present = slow

        async def main():
            cp.card("A")
            cp.card("A")  # the same card again while it is handled: one presentation
            cp.card("B")
            await asyncio.sleep_ms(200)

        try:
            asyncio.run(main())
        finally:
            transaction.present = real
        assert seen == ["A", "B"], seen


def test_a_failed_board_reset_is_tried_again_reset_retries_times():
    from ocpp.core import cache

    reboot = cache.use("ops.Reset").reboot

    class Board:
        calls = []

        def reset(self, hard=False):
            self.calls.append(hard)
            if len(self.calls) < 3:
                raise OSError("the reset line is stuck")
            raise SystemExit(75)  # what a working reset does to the agent

    logs = []
    b = Board()
    try:
        reboot(b.reset, "Hard", 3, logs.append)
        assert False, "no reset"
    except SystemExit:
        pass
    assert b.calls == [True, True, True], b.calls
    assert len([m for m in logs if "reset failed" in m]) == 2, logs
    b.calls[:] = []
    Board.reset = lambda self, hard=False: self.calls.append(hard)  # returns: failed, silently
    reboot(b.reset, "Soft", 1, logs.append)
    assert b.calls == [False, False], b.calls
