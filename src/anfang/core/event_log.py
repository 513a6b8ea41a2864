"""Reading the event log: pages newest first with filters, one event, and its JSON form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from anfang.core import kinds
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


def row_json(r: Any) -> dict[str, Any]:
    """A stored event (an :class:`EventRow`, or a row of its table) as JSON-ready data."""
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


def _filtered(q: Select[Any], f: EventFilter) -> Select[Any]:
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
    return q


def page(session: Session, f: EventFilter) -> tuple[list[dict[str, Any]], str | None]:
    """One page of events newest first, and the id to page on from (``None``: the end)."""
    # Plain rows of the table, not ORM objects: a page of 100 cost ~3 ms more as objects
    # (bench/console).
    base = select(EventRow.__table__).order_by(EventRow.id.desc()).limit(f.limit + 1)
    if f.kind and f.kind.endswith(".*"):
        # One short query per declared kind of the family, each reading its newest rows
        # off the (kind, id) index, merged here: one query over the family had to sort
        # every matching row (issue 17: `physical.*` 313 ms at a million events; a range
        # instead of LIKE still sorted 10,000 rows, 88 ms).
        family = [k.kind for k in kinds.all_kinds() if kinds.matches(f.kind, k.kind)]
        rows = [
            r for k in family for r in session.execute(_filtered(base.where(EventRow.kind == k), f))
        ]
        rows.sort(key=lambda r: r.id, reverse=True)
        rows = rows[: f.limit + 1]
    else:
        q = base.where(EventRow.kind == f.kind) if f.kind else base
        rows = list(session.execute(_filtered(q, f)))
    more = len(rows) > f.limit
    rows = rows[: f.limit]
    return [row_json(r) for r in rows], rows[-1].id if more and rows else None


def get(session: Session, event_id: str) -> dict[str, Any]:
    """One event; raises :class:`EventNotFound`."""
    row = session.get(EventRow, event_id)
    if row is None:
        raise EventNotFound(f"no event {event_id!r}")
    return row_json(row)
