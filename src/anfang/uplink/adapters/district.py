"""The district federation's wire format, pure: subjects and messages between community
nodes and the district node over NATS JetStream.

Subject ``<stream in lower case>.<community>.<topic>``; topics ``events``, ``alarms``,
``devices`` (each message one item, in the community's commit order, de-duplicated by
``Nats-Msg-Id`` = ``<community>:<seq>``) and ``snapshot`` (every few seconds: open alarms
and device counts, so that a district node that starts late or lost messages converges).
Every message carries the community code, its sequence or 0, and the commit time ``ts``
(seconds since the epoch) from which the district measures its lag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson

TOPICS = frozenset({"events", "alarms", "devices", "snapshot"})
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class DistrictWireError(ValueError):
    """A message the district does not take (its reason)."""


def prefix(stream: str) -> str:
    """The subject prefix of a stream."""
    return stream.lower()


def subject(stream: str, community: str, topic: str) -> str:
    """The subject a community publishes ``topic`` on."""
    if not _CODE.match(community):
        raise DistrictWireError(f"community code {community[:70]!r} is not a NATS token")
    if topic not in TOPICS:
        raise DistrictWireError(f"unknown topic {topic!r}")
    return f"{prefix(stream)}.{community}.{topic}"


def msg_id(community: str, seq: int) -> str:
    """The JetStream de-duplication id."""
    return f"{community}:{seq}"


@dataclass(frozen=True, slots=True)
class Message:
    """One message from a community."""

    community: str
    topic: str
    seq: int
    ts: float
    data: dict[str, Any]


def encode(community: str, topic: str, seq: int, ts: float, data: dict[str, Any]) -> bytes:
    """A message's bytes."""
    return orjson.dumps({"c": community, "t": topic, "seq": seq, "ts": ts, "d": data})


def decode(raw: bytes) -> Message:
    """Read a message; :class:`DistrictWireError` when it is not one."""
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise DistrictWireError("not JSON") from None
    if not isinstance(obj, dict):
        raise DistrictWireError("not an object")
    c, t, seq, ts, d = obj.get("c"), obj.get("t"), obj.get("seq"), obj.get("ts"), obj.get("d")
    if not isinstance(c, str) or not _CODE.match(c):
        raise DistrictWireError("no community code")
    if t not in TOPICS:
        raise DistrictWireError(f"unknown topic {str(t)[:20]!r}")
    if not isinstance(seq, int) or not isinstance(ts, int | float) or not isinstance(d, dict):
        raise DistrictWireError("seq, ts or d missing")
    return Message(c, str(t), seq, float(ts), d)


def event_data(ev: dict[str, Any]) -> dict[str, Any]:
    """What the district keeps of an event (no payload: it may hold personal data)."""
    return {k: ev.get(k) for k in ("id", "kind", "source", "severity", "occurred_at")}


def alarm_data(alarm: dict[str, Any]) -> dict[str, Any]:
    """What the district keeps of an alarm change."""
    keys = ("id", "title", "kind", "source", "priority", "state", "created_at", "updated_at")
    return {k: alarm.get(k) for k in keys}
