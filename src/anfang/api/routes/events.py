"""Events: list (newest first, filters, cursor paging), read one, submit; event kinds."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from anfang.api import pages
from anfang.api.deps import Principal, SessionDep, get_platform, require
from anfang.api.types import DbId
from anfang.auth.rbac import Perm
from anfang.core import event_log, kinds
from anfang.core.events import Event

router = APIRouter(tags=["events"])


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
    device_id: DbId | None = None,
    zone_id: DbId | None = None,
    severity_min: Annotated[int | None, Query(ge=0, le=4)] = None,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
    before: Annotated[str | None, Query(min_length=26, max_length=26)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Response:
    """Events newest first; page on with ``before=next_before``."""
    f = event_log.EventFilter(
        kind, source, device_id, zone_id, severity_min, since, until, before, limit
    )
    return pages.page(*event_log.page(session, f))


@router.get("/events/{event_id}")
def get_event(
    event_id: str,
    _: Annotated[Principal, Depends(require(Perm.EVENTS_READ))],
    session: SessionDep,
) -> dict[str, Any]:
    """One event."""
    return event_log.get(session, event_id)


@router.post("/events", status_code=201)
async def submit_event(
    body: EventSubmit,
    request: Request,
    principal: Annotated[Principal, Depends(require(Perm.EVENTS_SUBMIT))],
) -> dict[str, Any]:
    """Submit an event; answered once it is durable (unknown kinds: 422; kinds only the
    platform makes, such as ``device.offline`` or ``alarm.escalated``: 403)."""
    if kinds.get(body.kind).derived:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"event kind {body.kind!r} is made by the platform itself, never submitted",
        )
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
