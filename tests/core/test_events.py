"""Events: creation checks, JSON and row forms, ULID ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from ulid import ULID

from anfang.core.events import Event, new_id
from anfang.core.kinds import UnknownEventKind


def test_create_fills_defaults_and_checks() -> None:
    ev = Event.create("perimeter.intrusion", "PZ-1", payload={"a": 1})
    assert ev.severity == 4 and ev.occurred_at.tzinfo is not None
    assert ev.to_json()["payload"] == {"a": 1} and ev.row()["kind"] == "perimeter.intrusion"
    with pytest.raises(UnknownEventKind):
        Event.create("nope.nope", "X")
    with pytest.raises(ValueError, match="source"):
        Event.create("access.granted", "")
    with pytest.raises(ValueError, match="idempotency_key"):
        Event.create("access.granted", "G", idempotency_key="k" * 201)


def test_ids_are_ulids_and_sort_by_time() -> None:
    ids = [new_id() for _ in range(1000)]
    assert len(set(ids)) == 1000
    for i in ids[:50]:
        parsed = ULID.from_str(i)
        assert str(parsed) == i
        assert abs(parsed.datetime - datetime.now(UTC)) < timedelta(seconds=5)
