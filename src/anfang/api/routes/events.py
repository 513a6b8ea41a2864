"""Events: list (newest first, filters, cursor paging), read one, submit; event kinds."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import select

from anfang.api.deps import Principal, SessionDep, get_platform, require
from anfang.auth.rbac import Perm
from anfang.core import kinds
from anfang.core.events import Event
from anfang.store.models import EventRow

router = APIRouter(tags=["events"])


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


class EventPage(BaseModel):
    """A page of events, newest first."""

    items: list[dict[str, Any]]
    next_before: str | None


class EventSubmit(BaseModel):
    """An event handed in by an integration or an installer."""

    model_config = ConfigDict(extra="forbid")
    kind: str = Field(min_length=3, max_length=64)
    source: str = Field(min_length=1, max_length=64)
    occurred_at: AwareDatetime | None = None
    payload: dict[str, Any] = Field(default_factory=dict)
    idempotency_key: str | None = Field(default=None, max_length=200)


class KindOut(BaseModel):
    """An event kind and its labels."""

    kind: str
    severity: int
    zh: str
    en: str


@router.get("/events", response_model=EventPage)
def list_events(
    _: Annotated[Principal, Depends(require(Perm.EVENTS_READ))],
    session: SessionDep,
    kind: Annotated[
        str | None, Query(max_length=64, description="exact, or prefix with .*")
    ] = None,
    source: Annotated[str | None, Query(max_length=64)] = None,
    device_id: int | None = None,
    zone_id: int | None = None,
    severity_min: Annotated[int | None, Query(ge=0, le=4)] = None,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
    before: Annotated[str | None, Query(min_length=26, max_length=26)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> EventPage:
    """Events newest first; page on with ``before=next_before``."""
    q = select(EventRow).order_by(EventRow.id.desc()).limit(limit + 1)
    if kind:
        if kind.endswith(".*"):
            q = q.where(EventRow.kind.startswith(kind[:-1]))
        else:
            q = q.where(EventRow.kind == kind)
    if source:
        q = q.where(EventRow.source == source)
    if device_id is not None:
        q = q.where(EventRow.device_id == device_id)
    if zone_id is not None:
        q = q.where(EventRow.zone_id == zone_id)
    if severity_min is not None:
        q = q.where(EventRow.severity >= severity_min)
    if since is not None:
        q = q.where(EventRow.occurred_at >= since)
    if until is not None:
        q = q.where(EventRow.occurred_at < until)
    if before:
        q = q.where(EventRow.id < before)
    rows = list(session.scalars(q))
    more = len(rows) > limit
    rows = rows[:limit]
    return EventPage(
        items=[row_json(r) for r in rows], next_before=rows[-1].id if more and rows else None
    )


@router.get("/events/{event_id}")
def get_event(
    event_id: str,
    _: Annotated[Principal, Depends(require(Perm.EVENTS_READ))],
    session: SessionDep,
) -> dict[str, Any]:
    """One event."""
    row = session.get(EventRow, event_id)
    if row is None:
        raise HTTPException(404, f"no event {event_id!r}")
    return row_json(row)


@router.post("/events", status_code=201)
async def submit_event(
    body: EventSubmit,
    request: Request,
    principal: Annotated[Principal, Depends(require(Perm.EVENTS_SUBMIT))],
) -> dict[str, Any]:
    """Submit an event; answered once it is durable (unknown kinds: 422)."""
    ev = Event.create(
        body.kind,
        body.source,
        payload=body.payload,
        occurred_at=body.occurred_at,
        idempotency_key=body.idempotency_key,
        cause=[principal.actor],
    )
    stored = await get_platform(request).pipeline.submit(ev)
    return {"event": stored.event.to_json(), "duplicate": stored.duplicate}


@router.get("/kinds", response_model=list[KindOut])
def list_kinds(_: Annotated[Principal, Depends(require(Perm.EVENTS_READ))]) -> list[KindOut]:
    """Every declared event kind with its Chinese and English labels."""
    return [
        KindOut(kind=k.kind, severity=int(k.severity), zh=k.zh, en=k.en) for k in kinds.all_kinds()
    ]
