"""The one normalized Event, and what adapters submit to create one."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from anfang.core import kinds
from anfang.store.base import utcnow

# IDs need uniqueness and order, not secrecy, so random.getrandbits is enough; ULID text
# (Crockford base32) is built ten bits at a time from a table: ~2 µs an id, where
# python-ulid takes 8 µs (measured in bench/pipeline, where it mattered).
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_PAIRS = [a + b for a in _CROCKFORD for b in _CROCKFORD]
_SHIFTS = range(120, -10, -10)


def new_id() -> str:
    """A new sortable identifier: a ULID (48-bit milliseconds, 80 random bits), 26 chars."""
    value = (time.time_ns() // 1_000_000) << 80 | random.getrandbits(80)
    return "".join([_PAIRS[(value >> s) & 1023] for s in _SHIFTS])


@dataclass(slots=True)
class Event:
    """Something that happened at a site, as stored and published."""

    id: str
    kind: str
    source: str
    severity: int
    occurred_at: datetime
    received_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    media: list[Any] = field(default_factory=list)
    cause: list[Any] = field(default_factory=list)
    site_id: int | None = None
    device_id: int | None = None
    zone_id: int | None = None
    idempotency_key: str | None = None

    @classmethod
    def create(
        cls,
        kind: str,
        source: str,
        *,
        payload: dict[str, Any] | None = None,
        occurred_at: datetime | None = None,
        severity: int | None = None,
        media: list[Any] | None = None,
        cause: list[Any] | None = None,
        zone_id: int | None = None,
        idempotency_key: str | None = None,
    ) -> Event:
        """Build an event, checking its kind and times (raises ``UnknownEventKind``)."""
        info = kinds.get(kind)
        now = utcnow()
        if occurred_at is not None and occurred_at.tzinfo is None:
            raise ValueError("occurred_at must be timezone-aware")
        if not source or len(source) > 64:
            raise ValueError("source must be 1 to 64 characters")
        if idempotency_key is not None and len(idempotency_key) > 200:
            raise ValueError("idempotency_key longer than 200 characters")
        return cls(
            id=new_id(),
            kind=kind,
            source=source,
            severity=int(info.severity if severity is None else severity),
            occurred_at=occurred_at or now,
            received_at=now,
            payload=payload or {},
            media=media or [],
            cause=cause or [],
            zone_id=zone_id,
            idempotency_key=idempotency_key,
        )

    def row(self) -> dict[str, Any]:
        """The event as a row of the ``events`` table."""
        return {
            "id": self.id,
            "site_id": self.site_id,
            "source": self.source,
            "device_id": self.device_id,
            "zone_id": self.zone_id,
            "kind": self.kind,
            "severity": self.severity,
            "occurred_at": self.occurred_at,
            "received_at": self.received_at,
            "payload": self.payload,
            "media": self.media,
            "cause": self.cause,
            "idempotency_key": self.idempotency_key,
        }

    def to_json(self) -> dict[str, Any]:
        """The event as data for orjson (API, bus and WebSocket).

        Times stay ``datetime`` objects: orjson writes them as RFC 3339 in C, which on
        the hot path is cheaper than ``isoformat`` here.
        """
        return {
            "id": self.id,
            "kind": self.kind,
            "source": self.source,
            "severity": self.severity,
            "site_id": self.site_id,
            "device_id": self.device_id,
            "zone_id": self.zone_id,
            "occurred_at": self.occurred_at,
            "received_at": self.received_at,
            "payload": self.payload,
            "media": self.media,
            "cause": self.cause,
        }
