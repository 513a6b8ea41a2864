"""SIA DC-09 messages as anfang events: the payload, the idempotency key, no I/O.

Shared by the receiver and its front process (which builds the specs, so that the
platform's loop only gives them ids and stores them).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, NamedTuple

import orjson

from anfang.core.events import Event
from anfang.store.base import utcnow
from anfang.subsystems.home_alarm.adapters import sia_codes
from anfang.subsystems.home_alarm.adapters.sia_dc09 import SiaMessage
from anfang.subsystems.home_alarm.service import AccountInfo


def _fingerprint(msg: SiaMessage) -> str:
    # The typed content minus the timestamp: a retransmission carries a fresh timestamp
    # (and, encrypted, fresh padding) but the same content, so it maps to the same key.
    # 96 bits of SHA-256 are plenty to tell apart what one account sends under one sequence
    # number in one window. With all 64 hex digits the keys were twice as long and their
    # unique index, written at a random leaf per frame, dirtied 1.5 pages a frame against
    # 1.1 now (bench/sia, pages per commit in the WAL).
    content = [msg.id_token, sorted(msg.extended.items())] + [
        [e.code, e.qualifier, e.zone, e.partition, e.text, sorted(e.modifiers.items())]
        for e in msg.events
    ]
    return hashlib.sha256(orjson.dumps(content)).hexdigest()[:24]


# Sequence numbers wrap at 9999, so the same content with the same number comes back in
# normal use (a daily test report, say): duplicates are only looked for within a window
# of received time. A retransmission that straddles a window edge is stored twice, which
# is harmless; the other way round an event would be lost.
DEDUP_WINDOW_S = 600


# (kind, occurred_at, payload, idempotency key): an event as the front process sends it.
EventSpec = tuple[str, datetime, dict[str, Any], str]


class Brief(NamedTuple):
    """What storing and acknowledging a frame needs of it besides its events."""

    account: str
    sequence: int
    id_token: str
    length_mismatch: bool


def event_specs(msg: SiaMessage, account_kind: str, transport: str) -> list[EventSpec]:
    """The events of an accepted message, before they get ids (unknown codes: ``trouble``)."""
    now = utcnow()
    digest = _fingerprint(msg)
    window = int(now.timestamp()) // DEDUP_WINDOW_S
    perimeter = account_kind == "perimeter"
    out: list[EventSpec] = []
    for i, ev in enumerate(msg.events):
        kind = sia_codes.kind_for(ev.code, ev.qualifier, perimeter=perimeter)
        payload: dict[str, Any] = {
            "account": msg.account,
            "code": ev.code,
            "qualifier": ev.qualifier,
            "zone": ev.zone,
            "partition": ev.partition,
            "text": ev.text,
            "modifiers": dict(ev.modifiers),
            "sequence": msg.sequence,
            "receiver": msg.receiver,
            "line": msg.line,
            "length_mismatch": msg.length_mismatch,
            "extended": dict(msg.extended),
            "id_token": msg.id_token,
            "encrypted": msg.encrypted,
            "transport": transport,
        }
        if kind is None:
            payload["unmapped"] = True
        key = f"sia:{msg.account}:{msg.sequence:04d}:{digest}:{i}:{window}"
        out.append((kind or "home_alarm.trouble", msg.timestamp or now, payload, key))
    return out


def events_of(specs: list[EventSpec], account: AccountInfo) -> list[Event]:
    """The events to store for ``specs`` of ``account``."""
    return [
        Event.create(kind, account.source, occurred_at=at, payload=payload, idempotency_key=key)
        for kind, at, payload, key in specs
    ]


def events_for(msg: SiaMessage, account: AccountInfo, transport: str) -> list[Event]:
    """The anfang events of an accepted message (unknown codes become ``trouble``)."""
    return events_of(event_specs(msg, account.kind, transport), account)
