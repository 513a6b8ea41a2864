"""The SIA front process and the platform's side of it: what only a second process can get wrong.

Everything a receiver does is also run through the front process by the ``receiver``
fixture of test_sia_receiver.py; here: a copy of the accounts that lags behind, a front
process that dies, a port that is taken, and counts that come from the other process.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from collections.abc import AsyncIterator, Callable

import pytest

from anfang.app.platform import Platform
from anfang.store.base import utcnow
from anfang.subsystems.home_alarm import service as svc
from anfang.subsystems.home_alarm.adapters.sia_build import build_frame
from anfang.subsystems.home_alarm.adapters.sia_dc09 import MAX_FRAME
from anfang.subsystems.home_alarm.adapters.sia_receiver import FRAMES, SiaReceiver
from anfang.subsystems.home_alarm.models import AccountCreate, AccountUpdate
from tests.subsystems.home_alarm.adapters.test_sia_receiver import (
    KEY16,
    exchange,
    frame,
    kind_of,
    stored,
)


@pytest.fixture
async def front_rx(platform: Platform) -> AsyncIterator[SiaReceiver]:
    """A receiver with its front process, on free ports, without accounts."""
    rx = SiaReceiver(platform, "127.0.0.1", 0, front=True)
    await rx.start()
    try:
        yield rx
    finally:
        await rx.stop()


async def until(cond: Callable[[], bool], within_s: float = 10.0) -> None:
    """Wait until ``cond()`` holds (the other process answers in its own time)."""
    deadline = asyncio.get_running_loop().time() + within_s
    while not cond():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_a_new_account_is_accepted_before_the_copy_has_it(
    platform: Platform, front_rx: SiaReceiver
) -> None:
    # The copy in the front process learns of the account up to half a second later; the
    # platform judges the frame itself meanwhile, so the panel never sees DUH.
    await svc.create_account(platform, "test", AccountCreate(account="1234"))
    (reply,) = await exchange(front_rx, frame("1234", 1))
    assert kind_of(reply) == b"ACK"
    assert [r.kind for r in stored(platform, "SIA-1234")] == ["home_alarm.burglary"]


async def test_a_disabled_account_is_refused_at_once(
    platform: Platform, front_rx: SiaReceiver
) -> None:
    await svc.create_account(platform, "test", AccountCreate(account="AB12", key=KEY16.hex()))
    assert kind_of((await exchange(front_rx, frame("AB12", 1, KEY16)))[0]) == b"*ACK"
    await svc.update_account(platform, "test", "AB12", AccountUpdate(enabled=False))
    # No wait: a frame the front judged by its older copy is judged again by the platform.
    link_test = build_frame("AB12", [], sequence=3, id_token="NULL", key=KEY16, timestamp=utcnow())
    replies = await exchange(front_rx, frame("AB12", 2, KEY16), link_test)
    assert [kind_of(r) for r in replies] == [b"DUH", b"DUH"]
    assert len(stored(platform, "SIA-AB12")) == 1


async def test_refusals_are_counted_by_the_platform(front_rx: SiaReceiver) -> None:
    bad_crc = frame("1234", 5)
    bad_crc = bad_crc[:1] + (b"0000" if bad_crc[1:5] != b"0000" else b"1111") + bad_crc[5:]
    counter = FRAMES.labels("bad_crc")
    before = counter._value.get()
    (reply,) = await exchange(front_rx, bad_crc)
    assert kind_of(reply) == b"NAK"
    await until(lambda: counter._value.get() == before + 1)
    # and one the connection counts itself: a line that never ends within the limit
    too_large = FRAMES.labels("too_large")
    before = too_large._value.get()
    reader, writer = await asyncio.open_connection("127.0.0.1", front_rx.tcp_port)
    writer.write(b"\n" + b"A" * (MAX_FRAME + 10))
    assert kind_of(await asyncio.wait_for(reader.readuntil(b"\r"), 5)) == b"DUH"
    writer.close()
    await until(lambda: too_large._value.get() == before + 1)


async def test_a_killed_front_process_is_started_again_on_its_port(
    platform: Platform, front_rx: SiaReceiver
) -> None:
    await svc.create_account(platform, "test", AccountCreate(account="1234"))
    assert front_rx.front is not None and front_rx.front.process is not None
    first = front_rx.front.process
    assert first.pid is not None
    os.kill(first.pid, signal.SIGKILL)
    await until(lambda: front_rx.front is not None and front_rx.front.process is not first, 20)
    port = front_rx.tcp_port
    for _ in range(200):  # until the new process listens
        try:
            (reply,) = await exchange(front_rx, frame("1234", 2))
            break
        except OSError:
            await asyncio.sleep(0.05)
    assert kind_of(reply) == b"ACK" and front_rx.tcp_port == port
    assert len(stored(platform, "SIA-1234")) == 1


async def test_a_taken_port_fails_the_start(platform: Platform) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        rx = SiaReceiver(platform, "127.0.0.1", taken.getsockname()[1], front=True)
        with pytest.raises(OSError):
            await rx.start()
        await rx.stop()
