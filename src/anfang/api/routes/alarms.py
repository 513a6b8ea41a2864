"""Alarms: the queue, one alarm with its history, the handling workflow, definitions."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from anfang.api import pages
from anfang.api.deps import Principal, SessionDep, get_platform, require
from anfang.api.types import DbId
from anfang.auth.rbac import Perm
from anfang.core import alarm_service as svc
from anfang.core.alarm_rules import Step

router = APIRouter(tags=["alarms"])

StateFilter = Literal["open", "new", "acknowledged", "dispatched", "resolved", "false_alarm"]


class AlarmPage(BaseModel):
    """A page of alarms, newest first."""

    items: list[dict[str, Any]]
    next_before: str | None


class StepBody(BaseModel):
    """A handling step's note; ``take_over`` acts on an alarm another operator holds."""

    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="", max_length=2000)
    take_over: bool = False


class DispatchBody(StepBody):
    """Who was sent (a guard by name, a team, the police)."""

    to: str = Field(default="", max_length=200)


class AssignBody(BaseModel):
    """The user to hand the alarm to."""

    model_config = ConfigDict(extra="forbid")
    to: str = Field(min_length=1, max_length=64)
    note: str = Field(default="", max_length=2000)


class NoteBody(BaseModel):
    """A note added to the alarm's record without changing its state."""

    model_config = ConfigDict(extra="forbid")
    note: str = Field(min_length=1, max_length=2000)


class ResolveBody(StepBody):
    """How an alarm ended; a note is required, and a false alarm's cause (from
    ``GET /alarm-causes``; "unknown" when left out)."""

    outcome: Literal["resolved", "false_alarm"] = "resolved"
    disposition: Literal["real", "false", "test", "maintenance"] | None = None
    cause: str | None = Field(default=None, max_length=32)
    note: str = Field(min_length=1, max_length=2000)


class ScheduleWindow(BaseModel):
    """When a definition is active (ISO weekdays 1–7, local site time)."""

    model_config = ConfigDict(extra="forbid")
    days: list[Annotated[int, Field(ge=1, le=7)]] = Field(
        default_factory=lambda: [1, 2, 3, 4, 5, 6, 7]
    )
    start: str = Field(default="00:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    end: str = Field(default="23:59", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")


class DefinitionIn(BaseModel):
    """An alarm definition."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    kinds: list[str] = Field(min_length=1, max_length=50)
    device_codes: list[str] | None = None
    zone_ids: list[int] | None = None
    priority: int = Field(default=3, ge=1, le=5)
    procedure: str = Field(default="", max_length=5000)
    schedule: list[ScheduleWindow] | None = None
    ack_timeout_s: int | None = Field(default=None, ge=5, le=86400)
    enabled: bool = True

    @field_validator("kinds")
    @classmethod
    def _patterns(cls, v: list[str]) -> list[str]:
        for p in v:
            parts = p.split(".")
            if len(parts) < 2 or any(not x for x in parts):
                raise ValueError(f"bad kind pattern {p!r}: dotted words, * or > allowed")
        return v


@router.get("/alarms", response_model=AlarmPage)
def list_alarms(
    request: Request,
    _: Annotated[Principal, Depends(require(Perm.ALARMS_READ))],
    session: SessionDep,
    state: StateFilter | None = None,
    priority_max: Annotated[int | None, Query(ge=1, le=5)] = None,
    source: Annotated[str | None, Query(max_length=64)] = None,
    before: Annotated[str | None, Query(min_length=26, max_length=26)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Response:
    """Alarms newest first (``state=open`` for everything not yet resolved)."""
    f = svc.AlarmFilter(state, priority_max, source, before, limit)
    return pages.page(*svc.page(session, get_platform(request).alarms, f))


@router.get("/alarms/open")
def open_alarms(
    request: Request, _: Annotated[Principal, Depends(require(Perm.ALARMS_READ))]
) -> list[dict[str, Any]]:
    """Every open alarm in queue order (priority, then new before handled, then newest
    first), from the engine's memory: the console loads the whole queue in one request."""
    return svc.open_queue(get_platform(request).alarms)


@router.get("/alarm-causes")
def alarm_causes(
    _: Annotated[Principal, Depends(require(Perm.ALARMS_READ))],
) -> dict[str, Any]:
    """The dispositions an alarm may end with and the causes of a false alarm."""
    return svc.causes()


@router.get("/alarms/{alarm_id}")
def get_alarm(
    alarm_id: str,
    request: Request,
    _: Annotated[Principal, Depends(require(Perm.ALARMS_READ))],
    session: SessionDep,
) -> dict[str, Any]:
    """One alarm with its transitions, attached events and context (household, residents,
    partition, zone, device: whatever the subsystems know of its source)."""
    return svc.detail(session, get_platform(request).alarms, alarm_id)


Handler = Annotated[Principal, Depends(require(Perm.ALARMS_HANDLE))]


async def _step(request: Request, alarm_id: str, step: Step) -> dict[str, Any]:
    platform = get_platform(request)
    return await svc.step(platform.writer, platform.alarms, alarm_id, step)


@router.post("/alarms/{alarm_id}/acknowledge")
async def acknowledge(
    alarm_id: str, body: StepBody, request: Request, principal: Handler
) -> dict[str, Any]:
    """Acknowledge a new alarm: someone is on it (the alarm is then held by them)."""
    step = Step("acknowledge", principal.actor, body.note, take_over=body.take_over)
    return await _step(request, alarm_id, step)


@router.post("/alarms/{alarm_id}/dispatch")
async def dispatch(
    alarm_id: str, body: DispatchBody, request: Request, principal: Handler
) -> dict[str, Any]:
    """Record who was sent (acknowledging a new alarm first, recorded as its own step)."""
    step = Step("dispatch", principal.actor, body.note, body.to, take_over=body.take_over)
    return await _step(request, alarm_id, step)


@router.post("/alarms/{alarm_id}/resolve")
async def resolve(
    alarm_id: str, body: ResolveBody, request: Request, principal: Handler
) -> dict[str, Any]:
    """Close an alarm with its disposition (a note is required; a new alarm is
    acknowledged first, recorded as its own step)."""
    action = "resolve" if body.outcome == "resolved" else "false_alarm"
    step = Step(
        action,
        principal.actor,
        body.note,
        disposition=body.disposition,
        cause=body.cause,
        take_over=body.take_over,
    )
    return await _step(request, alarm_id, step)


@router.post("/alarms/{alarm_id}/claim")
async def claim(
    alarm_id: str, body: StepBody, request: Request, principal: Handler
) -> dict[str, Any]:
    """Take the alarm: the caller handles it (409 when another holds it, unless taken over)."""
    step = Step("claim", principal.actor, body.note, take_over=body.take_over)
    return await _step(request, alarm_id, step)


@router.post("/alarms/{alarm_id}/release")
async def release(
    alarm_id: str, body: StepBody, request: Request, principal: Handler
) -> dict[str, Any]:
    """Give the alarm back to the queue."""
    step = Step("release", principal.actor, body.note, take_over=body.take_over)
    return await _step(request, alarm_id, step)


@router.post("/alarms/{alarm_id}/assign")
async def assign(
    alarm_id: str, body: AssignBody, request: Request, principal: Handler
) -> dict[str, Any]:
    """Hand the alarm to another operator (an active user)."""
    step = Step("assign", principal.actor, body.note, body.to)
    return await _step(request, alarm_id, step)


@router.post("/alarms/{alarm_id}/notes")
async def add_note(
    alarm_id: str, body: NoteBody, request: Request, principal: Handler
) -> dict[str, Any]:
    """Add a note to the alarm's record (open or closed) without changing its state."""
    return await _step(request, alarm_id, Step("note", principal.actor, body.note))


@router.get("/alarm-definitions")
def list_definitions(
    _: Annotated[Principal, Depends(require(Perm.ALARMS_READ))], session: SessionDep
) -> list[dict[str, Any]]:
    """Every alarm definition."""
    return svc.definitions(session)


@router.post("/alarm-definitions", status_code=201)
async def create_definition(
    body: DefinitionIn,
    request: Request,
    principal: Annotated[Principal, Depends(require(Perm.ALARM_DEFS_WRITE))],
) -> dict[str, Any]:
    """Create a definition (audited)."""
    platform = get_platform(request)
    return await svc.create_definition(
        platform.writer, platform.alarms, principal.actor, body.model_dump()
    )


@router.put("/alarm-definitions/{def_id}")
async def update_definition(
    def_id: DbId,
    body: DefinitionIn,
    request: Request,
    principal: Annotated[Principal, Depends(require(Perm.ALARM_DEFS_WRITE))],
) -> dict[str, Any]:
    """Replace a definition (audited); open alarms keep their priority."""
    platform = get_platform(request)
    return await svc.update_definition(
        platform.writer, platform.alarms, principal.actor, def_id, body.model_dump()
    )
