"""Reading the event log: pages newest first with filters, one event, and its JSON form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.core.errors import DomainError
from anfang.store.models import EventRow


class EventNotFound(DomainError):
    """No event with that id."""

    status = 404


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Which events a page holds; ``kind`` is exact or a prefix ending in ``.*``."""

    kind: str | None = None
    source: str | None = None
    device_id: int | None = None
    zone_id: int | None = None
    severity_min: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    before: str | None = None
    limit: int = 100


def row_json(r: EventRow) -> dict[str, Any]:
    """A stored event as JSON-ready data."""
    return {
        "id": r.id,
        "kind": r.kind,
        "source": r.source,
        "severity": r.severity,
        "site_id": r.site_id,
        "device_id": r.device_id,
        "zone_id": r.zone_id,
        "occurred_at": r.occurred_at.isoformat(),
        "received_at": r.received_at.isoformat(),
        "payload": r.payload,
        "media": r.media,
        "cause": r.cause,
    }


def page(session: Session, f: EventFilter) -> tuple[list[dict[str, Any]], str | None]:
    """One page of events newest first, and the id to page on from (``None``: the end)."""
    q = select(EventRow).order_by(EventRow.id.desc()).limit(f.limit + 1)
    if f.kind:
        if f.kind.endswith(".*"):
            # A range, not LIKE: ``LIKE ? || '%'`` cannot use the kind index, so a prefix
            # that matches little scanned the whole table (issue 17: 313 ms at 1 M events).
            # "/" is the character after "." so the range holds exactly the prefix.
            prefix = f.kind[:-1]
            q = q.where(EventRow.kind >= prefix, EventRow.kind < prefix[:-1] + "/")
        else:
            q = q.where(EventRow.kind == f.kind)
    if f.source:
        q = q.where(EventRow.source == f.source)
    if f.device_id is not None:
        q = q.where(EventRow.device_id == f.device_id)
    if f.zone_id is not None:
        q = q.where(EventRow.zone_id == f.zone_id)
    if f.severity_min is not None:
        q = q.where(EventRow.severity >= f.severity_min)
    if f.since is not None:
        q = q.where(EventRow.occurred_at >= f.since)
    if f.until is not None:
        q = q.where(EventRow.occurred_at < f.until)
    if f.before:
        q = q.where(EventRow.id < f.before)
    rows = list(session.scalars(q))
    more = len(rows) > f.limit
    rows = rows[: f.limit]
    return [row_json(r) for r in rows], rows[-1].id if more and rows else None


def get(session: Session, event_id: str) -> dict[str, Any]:
    """One event; raises :class:`EventNotFound`."""
    row = session.get(EventRow, event_id)
    if row is None:
        raise EventNotFound(f"no event {event_id!r}")
    return row_json(row)
