# Proves the harness runs under MicroPython, not CPython, and that async tests run.
import sys
import asyncio


def test_runs_on_micropython():
    assert sys.implementation.name == "micropython"


async def test_async_runs():
    await asyncio.sleep_ms(1)
