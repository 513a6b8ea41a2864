"""NatsJetStreamBus against the real NATS JetStream server at 127.0.0.1:4222."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from anfang.app.platform import Platform
from anfang.core.bus import InProcessBus, Message, Subscription
from anfang.core.events import Event
from anfang.core.nats_bus import (
    BusError,
    BusPublishError,
    BusUnavailable,
    DurableSubscription,
    NatsJetStreamBus,
    make_bus,
)
from tests.conftest import make_settings

NATS_URL = "nats://127.0.0.1:4222"


@pytest.fixture
def prefix() -> str:
    return f"anfangtest_{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def js(prefix: str) -> AsyncIterator[JetStreamContext]:
    """A plain client for inspecting the server; deletes the test stream at the end."""
    nc = await nats.connect(NATS_URL)
    ctx = nc.jetstream()
    yield ctx
    with contextlib.suppress(NotFoundError):
        await ctx.delete_stream(prefix.upper())
    await nc.close()


@pytest.fixture
async def bus(prefix: str, js: JetStreamContext) -> AsyncIterator[NatsJetStreamBus]:
    b = NatsJetStreamBus(NATS_URL, prefix)
    await b.start()
    yield b
    await b.close()


async def take(sub: Subscription, n: int, within: float = 10.0) -> list[Message]:
    """The next ``n`` messages of a subscription."""
    out: list[Message] = []
    async with asyncio.timeout(within):
        async for msg in sub:
            out.append(msg)
            if len(out) == n:
                break
    return out


async def take_until(sub: Subscription, last: str, within: float = 10.0) -> list[str]:
    """Subjects received up to and including the marker subject ``last``."""
    out: list[str] = []
    async with asyncio.timeout(within):
        async for msg in sub:
            out.append(msg.subject)
            if msg.subject == last:
                break
    return out


@pytest.mark.nats
async def test_round_trip_with_relative_subjects(bus: NatsJetStreamBus) -> None:
    sub = await bus.subscribe("events.>")
    data: dict[str, Any] = {"id": "01J", "kind": "perimeter.intrusion", "zh": "周界入侵", "n": [1]}
    await bus.publish("events.perimeter.intrusion", data)
    assert await take(sub, 1) == [Message("events.perimeter.intrusion", data)]
    await sub.close()


@pytest.mark.nats
async def test_stream_on_the_wire_carries_prefix_and_limits(
    prefix: str, js: JetStreamContext
) -> None:
    bus = NatsJetStreamBus(NATS_URL, prefix, max_age_seconds=3600, max_bytes=10_000_000)
    await bus.start()
    await bus.publish("alarms.changed", {"id": 1})
    info = await js.stream_info(prefix.upper())
    assert info.config.subjects == [f"{prefix}.>"]
    assert info.config.max_age == 3600
    assert info.config.max_bytes == 10_000_000
    assert info.state.messages == 1
    stored = await js.get_last_msg(prefix.upper(), f"{prefix}.alarms.changed")
    assert stored.data == b'{"id":1}'
    await bus.close()

    # Starting again with other limits updates the existing stream and keeps its messages.
    bus = NatsJetStreamBus(NATS_URL, prefix, max_age_seconds=7200, max_bytes=20_000_000)
    await bus.start()
    info = await js.stream_info(prefix.upper())
    assert (info.config.max_age, info.config.max_bytes) == (7200, 20_000_000)
    assert info.state.messages == 1
    await bus.close()


@pytest.mark.nats
async def test_wildcard_patterns(bus: NatsJetStreamBus) -> None:
    everything = await bus.subscribe("events.>")
    intrusions = await bus.subscribe("events.*.intrusion")
    await bus.publish_many(
        [
            ("events.perimeter.intrusion", {}),
            ("events.perimeter.fault", {}),
            ("events.home_alarm.panic", {}),
            ("alarms.changed", {}),
            ("events.perimeter.intrusion.extra", {}),
            ("events.fence.intrusion", {}),
        ]
    )
    assert await take_until(everything, "events.fence.intrusion") == [
        "events.perimeter.intrusion",
        "events.perimeter.fault",
        "events.home_alarm.panic",
        "events.perimeter.intrusion.extra",
        "events.fence.intrusion",
    ]
    assert await take_until(intrusions, "events.fence.intrusion") == [
        "events.perimeter.intrusion",
        "events.fence.intrusion",
    ]


@pytest.mark.nats
async def test_subscribe_delivers_only_new_messages(bus: NatsJetStreamBus) -> None:
    await bus.publish("events.old.one", {"n": 0})
    sub = await bus.subscribe("events.>")
    await bus.publish("events.new.one", {"n": 1})
    assert await take(sub, 1) == [Message("events.new.one", {"n": 1})]


@pytest.mark.nats
async def test_publish_many_keeps_order_of_1000(
    bus: NatsJetStreamBus, js: JetStreamContext
) -> None:
    sub = await bus.subscribe("events.>")
    kinds = ["perimeter.intrusion", "access.granted", "video.loss"]
    batch = [(f"events.{kinds[i % 3]}", {"seq": i}) for i in range(1000)]
    await bus.publish_many(batch)
    # publish_many returns only once every message is stored.
    assert (await js.stream_info(bus.stream_name)).state.messages == 1000
    got = await take(sub, 1000)
    assert [(m.subject, m.data) for m in got] == batch


@pytest.mark.nats
async def test_durable_resumes_after_close_and_reopen(prefix: str, bus: NatsJetStreamBus) -> None:
    first = NatsJetStreamBus(NATS_URL, prefix)
    await first.start()
    sub = await first.subscribe_durable("events.>", "uplink")
    await bus.publish_many([("events.a.b", {"seq": i}) for i in range(10)])
    seen = []
    async for msg in sub:
        seen.append(msg.data["seq"])
        if len(seen) == 5:
            await sub.ack()  # handled: acknowledge before leaving the loop
            break
    assert seen == [0, 1, 2, 3, 4]
    await first.close()

    await bus.publish_many([("events.a.b", {"seq": i}) for i in range(10, 15)])
    second = NatsJetStreamBus(NATS_URL, prefix)
    await second.start()
    resumed = await second.subscribe_durable("events.>", "uplink")
    assert [m.data["seq"] for m in await take(resumed, 10)] == list(range(5, 15))
    await second.close()


@pytest.mark.nats
async def test_durable_redelivers_a_message_whose_handler_failed(bus: NatsJetStreamBus) -> None:
    sub = await bus.subscribe_durable("events.*.panic", "console")
    await bus.publish_many([("events.home_alarm.panic", {"seq": 1}), ("events.x.y", {})])
    with pytest.raises(RuntimeError):
        async for _msg in sub:
            raise RuntimeError("handler failed")
    await sub.close()
    again = await bus.subscribe_durable("events.*.panic", "console")
    assert await take(again, 1) == [Message("events.home_alarm.panic", {"seq": 1})]
    await again.close()


@pytest.mark.nats
async def test_durable_name_bound_to_its_pattern(bus: NatsJetStreamBus) -> None:
    await (await bus.subscribe_durable("events.>", "linkage")).close()
    with pytest.raises(BusError, match="linkage"):
        await bus.subscribe_durable("alarms.>", "linkage")
    with pytest.raises(ValueError):
        await bus.subscribe_durable("events.>", "bad name")


@pytest.mark.nats
async def test_closing_durable_ends_a_waiting_iteration(bus: NatsJetStreamBus) -> None:
    sub = await bus.subscribe_durable("events.>", "waiter")
    assert isinstance(sub, DurableSubscription)
    reader = asyncio.create_task(take(sub, 1))
    await asyncio.sleep(0)  # the reader runs until it waits on its fetch
    assert sub._fetch is not None
    await sub.close()
    assert await reader == []
    # The abandoned fetch must not swallow what comes next.
    await bus.publish("events.a.b", {"after": "close"})
    again = await bus.subscribe_durable("events.>", "waiter")
    assert await take(again, 1, within=5) == [Message("events.a.b", {"after": "close"})]


@pytest.mark.nats
async def test_two_buses_see_each_others_messages(prefix: str, bus: NatsJetStreamBus) -> None:
    other = NatsJetStreamBus(NATS_URL, prefix)
    await other.start()
    here = await bus.subscribe("alarms.>")
    there = await other.subscribe("alarms.>")
    await other.publish("alarms.changed", {"from": "other"})
    await bus.publish("alarms.changed", {"from": "bus"})
    want = [
        Message("alarms.changed", {"from": "other"}),
        Message("alarms.changed", {"from": "bus"}),
    ]
    assert await take(here, 2) == want
    assert await take(there, 2) == want
    await other.close()


@pytest.mark.nats
async def test_close_ends_iteration(bus: NatsJetStreamBus) -> None:
    sub = await bus.subscribe("events.>")
    reader = asyncio.create_task(take(sub, 1))
    await asyncio.sleep(0)  # the reader runs until it waits for a message
    await bus.close()
    assert await reader == []


@pytest.mark.nats
async def test_bad_subjects_are_refused(bus: NatsJetStreamBus) -> None:
    with pytest.raises(ValueError):
        await bus.publish("events.*", {})
    with pytest.raises(ValueError):
        await bus.publish("events..x", {})
    with pytest.raises(ValueError):
        await bus.subscribe("events.>.x")


@pytest.mark.nats
async def test_delete_stream_cleans_up(prefix: str, js: JetStreamContext) -> None:
    bus = NatsJetStreamBus(NATS_URL, prefix)
    await bus.start()
    await bus.delete_stream()
    with pytest.raises(NotFoundError):
        await js.stream_info(prefix.upper())
    await bus.close()


@pytest.mark.nats
async def test_unencodable_batch_sends_nothing(bus: NatsJetStreamBus, js: JetStreamContext) -> None:
    with pytest.raises(TypeError):
        await bus.publish_many([("events.a.b", {}), ("events.a.c", {"x": object()})])
    assert (await js.stream_info(bus.stream_name)).state.messages == 0


@pytest.mark.nats
async def test_foreign_non_json_messages_are_skipped(
    prefix: str, bus: NatsJetStreamBus, js: JetStreamContext
) -> None:
    live = await bus.subscribe("events.>")
    durable = await bus.subscribe_durable("events.>", "reader")
    await js.publish(f"{prefix}.events.a.b", b"not json")
    await js.publish(f"{prefix}.events.a.b", b"[1, 2]")
    await bus.publish("events.a.b", {"ok": True})
    assert await take(live, 1) == [Message("events.a.b", {"ok": True})]
    assert await take(durable, 1) == [Message("events.a.b", {"ok": True})]
    await durable.ack()
    await durable.close()
    # The unreadable ones were terminated, not left to come back (acks apply asynchronously).
    for _ in range(100):
        info = await js.consumer_info(bus.stream_name, "reader")
        if (info.num_ack_pending, info.num_pending, info.num_redelivered) == (0, 0, 0):
            break
        await asyncio.sleep(0.05)
    assert (info.num_ack_pending, info.num_pending, info.num_redelivered) == (0, 0, 0)


@pytest.mark.nats
async def test_publish_without_stream_raises_clearly(bus: NatsJetStreamBus) -> None:
    await bus.delete_stream()
    with pytest.raises(BusPublishError, match="JetStream refused"):
        await bus.publish_many([("events.a.b", {}), ("events.a.c", {})])


@pytest.mark.nats
async def test_platform_events_reach_another_process_over_nats(
    tmp_path: Path, prefix: str, js: JetStreamContext
) -> None:
    platform = Platform(make_settings(tmp_path, bus_url=NATS_URL, bus_prefix=prefix))
    await platform.start()
    watcher = NatsJetStreamBus(NATS_URL, prefix)
    try:
        await watcher.start()
        sub = await watcher.subscribe("events.>")
        events = [Event.create("home_alarm.panic", f"panel-{i}") for i in range(3)]
        await platform.pipeline.submit_many(events)
        got = await take(sub, 3)
        assert [(m.subject, m.data["id"]) for m in got] == [
            ("events.home_alarm.panic", e.id) for e in events
        ]
    finally:
        await watcher.close()
        await platform.stop()


async def own_server(port: int, store: Path | None) -> asyncio.subprocess.Process:
    """A nats-server of this test's own (JetStream when given a store directory)."""
    args = ["nats-server", "-a", "127.0.0.1", "-p", str(port)]
    if store is not None:
        args += ["-js", "-sd", str(store)]
    proc = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    assert proc.stderr is not None
    async with asyncio.timeout(10):
        while b"Server is ready" not in await proc.stderr.readline():
            pass
    return proc


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


async def stop(proc: asyncio.subprocess.Process) -> None:
    proc.terminate()
    await proc.wait()


@pytest.mark.nats
@pytest.mark.slow
async def test_survives_a_server_restart(tmp_path: Path) -> None:
    port = free_port()
    url = f"nats://127.0.0.1:{port}"
    proc = await own_server(port, tmp_path)
    bus = NatsJetStreamBus(url, "anfang", publish_timeout=1.0)
    try:
        await bus.start()
        sub = await bus.subscribe("events.>")
        durable = await bus.subscribe_durable("events.>", "uplink")
        await bus.publish("events.a.b", {"n": 1})
        assert [m.data for m in await take(sub, 1)] == [{"n": 1}]
        assert [m.data for m in await take(durable, 1)] == [{"n": 1}]

        await stop(proc)
        with pytest.raises(BusPublishError, match=rf"{url} confirmed 0 of 1 messages"):
            await bus.publish("events.a.b", {"n": 2})

        proc = await own_server(port, tmp_path)
        async with asyncio.timeout(10):
            await bus.wait_connected()
        assert bus.connected
        await bus.publish("events.a.b", {"n": 3})
        # The unconfirmed message was buffered and stored once the connection came back.
        assert [m.data for m in await take(sub, 2, within=20)] == [{"n": 2}, {"n": 3}]
        assert [m.data for m in await take(durable, 2, within=20)] == [{"n": 2}, {"n": 3}]
    finally:
        await bus.close()
        await stop(proc)


@pytest.mark.nats
async def test_server_without_jetstream_is_named() -> None:
    port = free_port()
    proc = await own_server(port, None)
    try:
        with pytest.raises(BusUnavailable, match=rf"127\.0\.0\.1:{port} has no JetStream"):
            await NatsJetStreamBus(f"nats://127.0.0.1:{port}").start()
    finally:
        await stop(proc)


async def test_unreachable_server_names_the_url() -> None:
    bus = NatsJetStreamBus("nats://127.0.0.1:1", "anfangtest", connect_wait=0.5)
    with pytest.raises(BusUnavailable, match=r"nats://127\.0\.0\.1:1"):
        await bus.start()


async def test_publish_before_start_is_an_error() -> None:
    with pytest.raises(BusError, match="not started"):
        await NatsJetStreamBus(NATS_URL).publish("events.a.b", {})


def test_make_bus_chooses_by_url() -> None:
    assert isinstance(make_bus(None, "anfang"), InProcessBus)
    nb = make_bus(NATS_URL, "district1.site3")
    assert isinstance(nb, NatsJetStreamBus)
    assert (nb.url, nb.prefix, nb.stream_name) == (NATS_URL, "district1.site3", "DISTRICT1_SITE3")
    limited = make_bus(NATS_URL, "anfang", max_age_seconds=60, max_bytes=1000)
    assert isinstance(limited, NatsJetStreamBus)
    assert (limited.max_age_seconds, limited.max_bytes) == (60, 1000)
    with pytest.raises(ValueError):
        make_bus(NATS_URL, "bad prefix")
