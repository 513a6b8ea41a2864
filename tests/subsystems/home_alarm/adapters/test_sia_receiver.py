"""The SIA DC-09 receiver over real sockets against a real platform: store, then ACK."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from anfang.app.platform import Platform
from anfang.core.writer import StorageUnavailable, WriteContext
from anfang.store.base import utcnow
from anfang.store.models import Device, EventRow, Site
from anfang.subsystems.home_alarm import service as svc
from anfang.subsystems.home_alarm.adapters.sia_build import build_frame
from anfang.subsystems.home_alarm.adapters.sia_dc09 import SiaEvent
from anfang.subsystems.home_alarm.adapters.sia_receiver import FRAMES, SiaReceiver
from anfang.subsystems.home_alarm.models import AccountCreate

KEY16 = bytes(range(16))
KEY32 = bytes(range(32))
BA = SiaEvent("BA", zone="012", partition="1")


@pytest.fixture(params=[False, True], ids=["in-process", "front-process"])
async def receiver(
    platform: Platform, request: pytest.FixtureRequest
) -> AsyncIterator[SiaReceiver]:
    """A receiver on free ports with a plain, an AES-128 and an AES-256 perimeter account;
    each test runs with the sockets in the platform's process and in a front process."""
    rx = SiaReceiver(platform, "127.0.0.1", 0, read_timeout=2.0, front=request.param)
    await rx.start()
    for account, key, kind in (("1234", None, "home"), ("AB12", KEY16, "home"),
                               ("5678", KEY32, "perimeter")):  # fmt: skip
        data = AccountCreate(account=account, key=key.hex() if key else None, kind=kind)
        await svc.create_account(platform, "test", data)
    try:
        yield rx
    finally:
        await rx.stop()


def stored(platform: Platform, source: str) -> list[EventRow]:
    """The events of ``source`` in the database right now."""
    with platform.read_session() as s:
        return list(s.scalars(select(EventRow).where(EventRow.source == source)))


def frame(account: str, seq: int, key: bytes | None = None, **kw: Any) -> bytes:
    """A panel's frame with the current time."""
    kw.setdefault("timestamp", utcnow())
    events = kw.pop("events", [BA])
    return build_frame(account, events, sequence=seq, line="1", key=key, **kw)


async def exchange(rx: SiaReceiver, *frames: bytes) -> list[bytes]:
    """Send frames on one TCP connection, each after the previous reply; the replies."""
    reader, writer = await asyncio.open_connection("127.0.0.1", rx.tcp_port)
    replies = []
    try:
        for f in frames:
            writer.write(f)
            await writer.drain()
            replies.append(await asyncio.wait_for(reader.readuntil(b"\r"), 5))
    finally:
        writer.close()
    return replies


def kind_of(reply: bytes) -> bytes:
    """The reply's ID token (``ACK``, ``*ACK``, ``NAK``, ``DUH``)."""
    return reply.split(b'"')[1]


async def test_plain_frame_is_stored_before_the_ack(platform: Platform) -> None:
    rx = SiaReceiver(platform, "127.0.0.1", 0)
    await rx.start()
    try:
        # created after start: the receiver's account cache follows API changes
        await svc.create_account(platform, "test", AccountCreate(account="1234"))
        (reply,) = await exchange(rx, frame("1234", 1))
        assert kind_of(reply) == b"ACK"
        rows = stored(platform, "SIA-1234")  # read right after the ACK: already durable
        assert [r.kind for r in rows] == ["home_alarm.burglary"]
        payload = rows[0].payload
        assert payload["account"] == "1234" and payload["zone"] == "012"
        assert payload["partition"] == "1" and payload["sequence"] == 1
    finally:
        await rx.stop()


@pytest.mark.parametrize(
    ("account", "key", "kind"),
    [("AB12", KEY16, "home_alarm.burglary"), ("5678", KEY32, "perimeter.intrusion")],
)
async def test_encrypted_accounts_end_to_end(
    platform: Platform, receiver: SiaReceiver, account: str, key: bytes, kind: str
) -> None:
    (reply,) = await exchange(receiver, frame(account, 7, key))
    assert kind_of(reply) == b"*ACK"
    assert [r.kind for r in stored(platform, f"SIA-{account}")] == [kind]


async def test_several_events_and_unknown_code(platform: Platform, receiver: SiaReceiver) -> None:
    events = [SiaEvent("PA", zone="001", partition="1"), SiaEvent("ZZ", zone="9", partition="1")]
    (reply,) = await exchange(receiver, frame("1234", 3, events=events))
    assert kind_of(reply) == b"ACK"
    rows = {r.payload["code"]: r for r in stored(platform, "SIA-1234")}
    assert rows["PA"].kind == "home_alarm.panic"
    assert rows["ZZ"].kind == "home_alarm.trouble" and rows["ZZ"].payload["unmapped"] is True


async def test_contact_id_restore(platform: Platform, receiver: SiaReceiver) -> None:
    cid = SiaEvent("130", qualifier=3, zone="005", partition="01")
    (reply,) = await exchange(receiver, frame("AB12", 4, KEY16, events=[cid], id_token="ADM-CID"))
    assert kind_of(reply) == b"*ACK"
    assert [r.kind for r in stored(platform, "SIA-AB12")] == ["home_alarm.restore"]


async def test_retransmission_is_acked_twice_and_stored_once(
    platform: Platform, receiver: SiaReceiver
) -> None:
    first = frame("AB12", 42, KEY16)
    again = frame("AB12", 42, KEY16, timestamp=utcnow() + timedelta(seconds=1))
    assert first != again  # fresh padding and timestamp, same content
    replies = await exchange(receiver, first, again)
    assert [kind_of(r) for r in replies] == [b"*ACK", b"*ACK"]
    assert len(stored(platform, "SIA-AB12")) == 1


async def test_refusals(platform: Platform, receiver: SiaReceiver) -> None:
    good = frame("1234", 5)
    bad_crc = good[:1] + (b"0000" if good[1:5] != b"0000" else b"1111") + good[5:]
    stale = frame("1234", 6, timestamp=utcnow() - timedelta(minutes=5))
    unknown = frame("9999", 7, KEY16)
    wrong_key = frame("AB12", 8, KEY32)
    plain_for_keyed = frame("AB12", 9)
    plain_unknown = frame("FFF", 10)
    replies = await exchange(
        receiver, bad_crc, stale, unknown, wrong_key, plain_for_keyed, plain_unknown, good
    )
    assert [kind_of(r) for r in replies] == [
        b"NAK", b"NAK", b"DUH", b"DUH", b"DUH", b"DUH", b"ACK"
    ]  # fmt: skip
    assert b"#AB12" in replies[3]  # DUH echoes the account it read
    assert len(stored(platform, "SIA-1234")) == 1
    assert stored(platform, "SIA-AB12") == [] and stored(platform, "SIA-9999") == []


async def test_garbage_and_overlong_line_then_next_client(
    platform: Platform, receiver: SiaReceiver
) -> None:
    (reply,) = await exchange(receiver, b"\x00\xffgarbage\r")
    assert kind_of(reply) in (b"NAK", b"DUH")
    reader, writer = await asyncio.open_connection("127.0.0.1", receiver.tcp_port)
    writer.write(b"\n" + b"A" * 5 * 1024)
    await writer.drain()
    assert kind_of(await asyncio.wait_for(reader.readuntil(b"\r"), 5)) == b"DUH"
    assert await asyncio.wait_for(reader.read(), 5) == b""  # the server closed it
    writer.close()
    (reply,) = await exchange(receiver, frame("1234", 11))
    assert kind_of(reply) == b"ACK"


async def test_idle_connection_is_closed(receiver: SiaReceiver) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", receiver.tcp_port)
    writer.write(b"\n1234")  # a slow sender that never finishes its frame
    await writer.drain()
    assert await asyncio.wait_for(reader.read(), 10) == b""
    writer.close()


async def test_a_dripping_sender_is_cut_at_the_frame_deadline(receiver: SiaReceiver) -> None:
    """Issue 14 item 10: one byte every few seconds kept a connection open for ever."""
    reader, writer = await asyncio.open_connection("127.0.0.1", receiver.tcp_port)
    started = asyncio.get_running_loop().time()
    closed = asyncio.create_task(reader.read())
    for byte in b"\n1234ABCD0000" * 4:
        if closed.done():
            break
        writer.write(bytes([byte]))
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        await asyncio.sleep(0.4)  # never silent for the 2 s idle timeout
    assert closed.done() and closed.result() == b""
    assert asyncio.get_running_loop().time() - started < 6
    writer.close()


async def test_udp_round_trip(platform: Platform, receiver: SiaReceiver) -> None:
    loop = asyncio.get_running_loop()
    replies: asyncio.Queue[bytes] = asyncio.Queue()

    class Panel(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
            replies.put_nowait(data)

    transport, _ = await loop.create_datagram_endpoint(
        Panel, remote_addr=("127.0.0.1", receiver.udp_port)
    )
    try:
        transport.sendto(frame("5678", 12, KEY32))
        assert kind_of(await asyncio.wait_for(replies.get(), 5)) == b"*ACK"
        assert [r.kind for r in stored(platform, "SIA-5678")] == ["perimeter.intrusion"]
    finally:
        transport.close()


async def test_link_test_is_acked_and_counts_as_heartbeat(
    platform: Platform, receiver: SiaReceiver
) -> None:
    def add_panel(ctx: WriteContext) -> None:
        site = Site(code="S1", name="小区")
        ctx.session.add(site)
        ctx.session.flush()
        ctx.session.add(
            Device(site_id=site.id, code="PANEL-1", name="panel", type="panel",
                   subsystem="home_alarm")
        )  # fmt: skip
        ctx.mark_changed("devices")

    await platform.writer.run(add_panel)
    await svc.create_account(platform, "t", AccountCreate(account="C0DE", device_code="PANEL-1"))
    (reply,) = await exchange(receiver, frame("C0DE", 13, id_token="NULL", events=[]))
    assert kind_of(reply) == b"ACK"
    with platform.read_session() as s:
        dev = s.scalars(select(Device).where(Device.code == "PANEL-1")).one()
        assert dev.last_seen_at is not None
        assert s.scalar(select(func.count()).select_from(EventRow).where(
            EventRow.source == "PANEL-1", EventRow.kind.like("home_alarm.%"))) == 0  # fmt: skip


async def test_no_reply_while_storage_is_unavailable(
    platform: Platform, receiver: SiaReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unavailable(events: object, eager: bool = False) -> asyncio.Future[object]:
        fut: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        fut.set_exception(StorageUnavailable("disk gone"))
        return fut

    monkeypatch.setattr(platform.pipeline, "store_many", unavailable)
    before = FRAMES.labels("storage_unavailable")._value.get()
    reader, writer = await asyncio.open_connection("127.0.0.1", receiver.tcp_port)
    writer.write(frame("1234", 14))
    await writer.drain()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(reader.readuntil(b"\r"), 0.5)
    writer.close()
    assert FRAMES.labels("storage_unavailable")._value.get() == before + 1
    assert stored(platform, "SIA-1234") == []


async def test_fifty_concurrent_panels(platform: Platform, receiver: SiaReceiver) -> None:
    accounts = [f"{0xA000 + i:X}" for i in range(50)]
    for acct in accounts:
        await svc.create_account(platform, "t", AccountCreate(account=acct, key=KEY16.hex()))

    async def panel(acct: str) -> list[bytes]:
        return await exchange(receiver, *(frame(acct, n, KEY16) for n in range(1, 21)))

    results = await asyncio.gather(*(panel(a) for a in accounts))
    assert all(kind_of(r) == b"*ACK" for replies in results for r in replies)
    assert sum(len(replies) for replies in results) == 1000
    with platform.read_session() as s:
        n = s.scalar(select(func.count()).select_from(EventRow).where(
            EventRow.source.like("SIA-A0%")))  # fmt: skip
    assert n == 1000


async def test_frames_sent_back_to_back_are_answered_in_order(
    platform: Platform, receiver: SiaReceiver
) -> None:
    """A panel that does not wait: each frame is stored and answered, in the order sent."""
    reader, writer = await asyncio.open_connection("127.0.0.1", receiver.tcp_port)
    try:
        writer.write(frame("1234", 21) + frame("1234", 22) + b"\ngarbage\r" + frame("1234", 23))
        await writer.drain()
        replies = [await asyncio.wait_for(reader.readuntil(b"\r"), 5) for _ in range(4)]
    finally:
        writer.close()
    assert [kind_of(r) for r in replies] == [b"ACK", b"ACK", b"NAK", b"ACK"]
    assert [r[14:18] for r in (replies[0], replies[1], replies[3])] == [b"0021", b"0022", b"0023"]
    assert sorted(r.payload["sequence"] for r in stored(platform, "SIA-1234")) == [21, 22, 23]


async def test_ack_is_sent_after_the_panel_half_closes(
    platform: Platform, receiver: SiaReceiver
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", receiver.tcp_port)
    writer.write(frame("1234", 31))
    writer.write_eof()
    assert kind_of(await asyncio.wait_for(reader.readuntil(b"\r"), 5)) == b"ACK"
    assert await asyncio.wait_for(reader.read(), 5) == b""  # then the receiver closes
    writer.close()
    assert [r.payload["sequence"] for r in stored(platform, "SIA-1234")] == [31]
