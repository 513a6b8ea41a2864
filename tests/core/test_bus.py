"""The in-process bus and the subject-pattern matching it shares with event definitions."""

from __future__ import annotations

import asyncio
import re

from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import REGISTRY

from anfang.core.bus import Bus, InProcessBus, Message, Subscription
from anfang.core.kinds import matches


async def drain(sub: Subscription) -> list[Message]:
    """Everything a closed subscription still holds."""
    async with asyncio.timeout(5):
        return [msg async for msg in sub]


def dropped() -> float:
    return REGISTRY.get_sample_value("anfang_bus_dropped_total") or 0.0


async def test_wildcards_route_each_message_to_matching_subscribers() -> None:
    bus: Bus = InProcessBus()
    await bus.start()
    everything = await bus.subscribe("events.>")
    intrusions = await bus.subscribe("events.*.intrusion")
    alarms = await bus.subscribe("alarms.changed")
    subjects = [
        "events.perimeter.intrusion",
        "events.perimeter.fault",
        "alarms.changed",
        "events.perimeter.intrusion.extra",
        "events",
        "events.fence.intrusion",
    ]
    await bus.publish_many([(s, {"i": i}) for i, s in enumerate(subjects)])
    await bus.close()
    assert [m.subject for m in await drain(everything)] == [
        "events.perimeter.intrusion",
        "events.perimeter.fault",
        "events.perimeter.intrusion.extra",
        "events.fence.intrusion",
    ]
    assert await drain(intrusions) == [
        Message("events.perimeter.intrusion", {"i": 0}),
        Message("events.fence.intrusion", {"i": 5}),
    ]
    assert await drain(alarms) == [Message("alarms.changed", {"i": 2})]


async def test_publish_keeps_order() -> None:
    bus = InProcessBus()
    sub = await bus.subscribe(">")
    await bus.publish("a.b", {"n": 0})
    bus.publish_nowait("a.c", {"n": 1})
    await bus.publish_many([("a.d", {"n": n}) for n in range(2, 100)])
    await sub.close()
    assert [m.data["n"] for m in await drain(sub)] == list(range(100))


async def test_slow_subscriber_loses_overflow_and_it_is_counted() -> None:
    bus = InProcessBus()
    slow = await bus.subscribe("events.>", max_pending=3)
    fast = await bus.subscribe("events.>")
    before = dropped()
    await bus.publish_many([("events.a.b", {"n": n}) for n in range(5)])
    assert dropped() - before == 2
    await bus.close()
    # The slow one keeps the oldest it had room for; the others miss nothing.
    assert [m.data["n"] for m in await drain(slow)] == [0, 1, 2]
    assert [m.data["n"] for m in await drain(fast)] == [0, 1, 2, 3, 4]


async def test_close_ends_a_waiting_iteration() -> None:
    bus = InProcessBus()
    sub = await bus.subscribe("events.>")

    async def read() -> list[Message]:
        return [msg async for msg in sub]

    reader = asyncio.create_task(read())
    await asyncio.sleep(0)  # the reader runs until it waits for a message
    await bus.publish("events.a.b", {})
    await sub.close()
    async with asyncio.timeout(5):
        assert await reader == [Message("events.a.b", {})]


async def test_closed_subscription_receives_nothing_more() -> None:
    bus = InProcessBus()
    sub = await bus.subscribe("events.>")
    await sub.close()
    await bus.publish("events.a.b", {})
    assert await drain(sub) == []
    assert await drain(sub) == []  # iterating again after the end ends at once


async def test_bus_close_ends_subscribers_even_when_their_queue_is_full() -> None:
    bus = InProcessBus()
    sub = await bus.subscribe("events.>", max_pending=2)
    await bus.publish_many([("events.a.b", {"n": n}) for n in range(3)])
    await bus.close()
    assert [m.data["n"] for m in await drain(sub)] == [0, 1]


def reference_matches(pattern: str, subject: str) -> bool:
    """NATS wildcards as a regular expression: ``*`` one word, ``>`` one or more."""
    words = {"*": r"[^.]+", ">": r".+"}
    regex = r"\.".join(words.get(w, re.escape(w)) for w in pattern.split("."))
    return re.fullmatch(regex, subject) is not None


_words = st.lists(st.sampled_from(["a", "b", "events", "x_1"]), min_size=1, max_size=5)
_patterns = st.builds(
    lambda head, tail: ".".join(head + tail),
    st.lists(st.sampled_from(["a", "b", "events", "*"]), min_size=0, max_size=4),
    st.sampled_from([[], [">"], ["a"], ["*"]]),
).filter(bool)


@given(pattern=_patterns, subject=_words.map(".".join))
def test_matches_agrees_with_reference(pattern: str, subject: str) -> None:
    assert matches(pattern, subject) == reference_matches(pattern, subject)


@given(subject=_words.map(".".join))
def test_matches_own_subject_and_full_wildcard(subject: str) -> None:
    assert matches(subject, subject)
    assert matches(">", subject)
    assert not matches(subject + ".>", subject)
