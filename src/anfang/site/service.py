"""Site model service: create, read, update and delete the community's structure.

Reads take a Session; every write runs as one writer job that also appends its audit
entry, so a change and its record commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy import delete as sql_delete
from sqlalchemy import func, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from anfang.audit.log import AuditLog
from anfang.core.errors import DomainError, integrity_message
from anfang.core.writer import WriteContext, Writer
from anfang.site import schemas as s
from anfang.site.geometry import polyline_length, zone_problem
from anfang.store.models import Building, Device, Household, Resident, Site, Unit, Zone

T = TypeVar("T")


class SitePlatform(Protocol):
    """What the site service needs of the platform."""

    @property
    def writer(self) -> Writer: ...

    @property
    def audit(self) -> AuditLog: ...

    def read_session(self) -> AbstractContextManager[Session]: ...


class SiteError(DomainError):
    """A refused site-model operation; ``field`` names the offending input, if any."""

    status = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(SiteError):
    """The record does not exist."""

    status = 404


class Conflict(SiteError):
    """A unique code is taken, or dependants block a delete."""

    status = 409


class Invalid(SiteError):
    """The input breaks a rule the schema alone cannot check (answered as ``field: message``)."""

    status = 422


def columns(row: Any) -> dict[str, Any]:
    """A mapped row's column values by attribute name."""
    return {a.key: getattr(row, a.key) for a in inspect(type(row)).column_attrs}


def _device_out(d: Device) -> s.DeviceOut:
    return s.DeviceOut.model_validate({**columns(d), "has_secret": bool(d.secret)})


@dataclass(frozen=True)
class Entity:
    """How one table is exposed: its key columns, references, filters and output."""

    name: str
    model: type[Any]
    out: Callable[[Any], BaseModel]
    unique: tuple[str, ...]
    refs: dict[str, type[Any]] = field(default_factory=dict)
    filters: tuple[str, ...] = ()
    private: frozenset[str] = frozenset()  # audited by field name only, never by value
    topic: str | None = None


SITE = Entity("site", Site, s.SiteOut.model_validate, ("code",))
BUILDING = Entity(
    "building",
    Building,
    s.BuildingOut.model_validate,
    ("site_id", "code"),
    {"site_id": Site},
    ("site_id", "kind"),
)
UNIT = Entity(
    "unit",
    Unit,
    s.UnitOut.model_validate,
    ("building_id", "code"),
    {"building_id": Building},
    ("building_id",),
)
HOUSEHOLD = Entity(
    "household",
    Household,
    s.HouseholdOut.model_validate,
    ("unit_id", "room"),
    {"unit_id": Unit},
    ("unit_id", "floor"),
    frozenset({"phone"}),
)
RESIDENT = Entity(
    "resident",
    Resident,
    s.ResidentOut.model_validate,
    (),
    {"household_id": Household},
    ("household_id",),
    frozenset({"name", "phone", "id_number_tail"}),
)
ZONE = Entity(
    "zone",
    Zone,
    s.ZoneOut.model_validate,
    ("site_id", "code"),
    {"site_id": Site},
    ("site_id", "kind"),
)
DEVICE = Entity(
    "device",
    Device,
    _device_out,
    ("code",),
    {"site_id": Site, "building_id": Building, "unit_id": Unit, "zone_id": Zone},
    ("site_id", "subsystem", "type", "zone_id", "building_id", "state"),
    frozenset({"secret"}),
    topic="devices",
)


def first_site_id(session: Session) -> int | None:
    """The id of the first (usually only) site."""
    return session.execute(select(Site.id).order_by(Site.id).limit(1)).scalar()


def _prepare(ent: Entity, session: Session, values: dict[str, Any], changes: set[str]) -> None:
    """Fill defaults and check rules that span fields or rows; raises Invalid."""
    if "site_id" in values and values["site_id"] is None:
        values["site_id"] = first_site_id(session)
        if values["site_id"] is None:
            raise Invalid("no site exists yet: create one first or give site_id", "site_id")
    if ent is ZONE:
        values["geometry"] = [[float(x), float(y)] for x, y in values["geometry"]]
        if "geometry" in changes and "length_m" not in changes:
            values["length_m"] = None  # the old length described the old line
        problem = zone_problem(values["kind"], values["length_m"], values["geometry"])
        if problem:
            raise Invalid(problem[1], problem[0])
        if values["length_m"] is None and len(values["geometry"]) >= 2:
            values["length_m"] = round(polyline_length(values["geometry"]), 2)
    if ent is DEVICE:
        _check_device_place(session, values)


def _check_device_place(session: Session, v: dict[str, Any]) -> None:
    if v.get("unit_id") is not None:
        unit = session.get(Unit, v["unit_id"])
        if unit is None:
            raise Invalid(f"unit {v['unit_id']} does not exist", "unit_id")
        if v.get("building_id") is None:
            v["building_id"] = unit.building_id
        elif unit.building_id != v["building_id"]:
            raise Invalid(f"unit {unit.id} is not in building {v['building_id']}", "unit_id")
    places: tuple[tuple[str, type[Any]], ...] = (("building_id", Building), ("zone_id", Zone))
    for key, model in places:
        if v.get(key) is None:
            continue
        other = session.get(model, v[key])
        if other is None:
            raise Invalid(f"{key[:-3]} {v[key]} does not exist", key)
        if other.site_id != v["site_id"]:
            raise Invalid(f"{key[:-3]} {v[key]} belongs to another site", key)


def _check_refs(ent: Entity, session: Session, values: dict[str, Any], keys: set[str]) -> None:
    for key, model in ent.refs.items():
        if key in keys and values.get(key) is not None and session.get(model, values[key]) is None:
            raise Invalid(f"{key[:-3]} {values[key]} does not exist", key)


def _check_unique(
    ent: Entity, session: Session, values: dict[str, Any], own_id: int | None
) -> None:
    if not ent.unique:
        return
    q = select(ent.model.id).where(*(getattr(ent.model, c) == values[c] for c in ent.unique))
    if own_id is not None:
        q = q.where(ent.model.id != own_id)
    if session.execute(q.limit(1)).first() is not None:
        key = ent.unique[-1]
        scope = f" in {ent.unique[0][:-3]} {values[ent.unique[0]]}" if len(ent.unique) > 1 else ""
        raise Conflict(f"{ent.name} {key} {values[key]!r} already exists{scope}", key)


def _detail(ent: Entity, values: dict[str, Any]) -> dict[str, Any]:
    return {k: ("***" if k in ent.private else v) for k, v in values.items()}


async def _run(platform: SitePlatform, job: Callable[[WriteContext], T]) -> T:
    try:
        return await platform.writer.run(job)
    except IntegrityError as exc:  # a race past the pre-checks still answers 409
        raise Conflict(integrity_message(exc)) from exc


async def create(platform: SitePlatform, actor: str, ent: Entity, data: BaseModel) -> BaseModel:
    """Insert one row after checking references, rules and unique codes."""

    def job(ctx: WriteContext) -> BaseModel:
        values = data.model_dump()
        _prepare(ent, ctx.session, values, set(values))
        _check_refs(ent, ctx.session, values, set(values))
        _check_unique(ent, ctx.session, values, None)
        row = ent.model(**values)
        ctx.session.add(row)
        ctx.session.flush()
        platform.audit.append(
            ctx, actor, f"{ent.name}.create", f"{ent.name}:{row.id}", _detail(ent, values)
        )
        if ent.topic:
            ctx.mark_changed(ent.topic)
        return ent.out(row)

    return await _run(platform, job)


async def patch(
    platform: SitePlatform, actor: str, ent: Entity, row_id: int, data: BaseModel
) -> BaseModel:
    """Change the fields sent in ``data``; the rest stay as they are."""

    def job(ctx: WriteContext) -> BaseModel:
        row = ctx.session.get(ent.model, row_id)
        if row is None:
            raise NotFound(f"{ent.name} {row_id} not found")
        changes = data.model_dump(exclude_unset=True)
        values = columns(row) | changes
        _prepare(ent, ctx.session, values, set(changes))
        _check_refs(ent, ctx.session, values, set(changes))
        if set(ent.unique) & set(changes):
            _check_unique(ent, ctx.session, values, row_id)
        changed = {k: v for k, v in values.items() if getattr(row, k) != v}
        for k, v in changed.items():
            setattr(row, k, v)
        ctx.session.flush()
        if changed:
            platform.audit.append(
                ctx, actor, f"{ent.name}.update", f"{ent.name}:{row_id}", _detail(ent, changed)
            )
            if ent.topic:
                ctx.mark_changed(ent.topic)
        return ent.out(row)

    return await _run(platform, job)


def _households_under(ent: Entity, row_id: int) -> Any:
    if ent is BUILDING:
        units = select(Unit.id).where(Unit.building_id == row_id)
        return select(Household.id).where(Household.unit_id.in_(units))
    return select(Household.id).where(Household.unit_id == row_id)


async def delete(
    platform: SitePlatform, actor: str, ent: Entity, row_id: int, *, cascade: bool = False
) -> None:
    """Delete a row; one with households or residents below needs ``cascade``."""

    def job(ctx: WriteContext) -> None:
        ses = ctx.session
        row = ses.get(ent.model, row_id)
        if row is None:
            raise NotFound(f"{ent.name} {row_id} not found")
        removed: dict[str, int] = {}
        if ent in (BUILDING, UNIT, HOUSEHOLD):
            hh = (
                select(Household.id).where(Household.id == row_id)
                if ent is HOUSEHOLD
                else _households_under(ent, row_id)
            )
            n_hh = ses.execute(select(func.count()).select_from(hh.subquery())).scalar() or 0
            n_res = (
                ses.execute(
                    select(func.count(Resident.id)).where(Resident.household_id.in_(hh))
                ).scalar()
                or 0
            )
            below = n_res if ent is HOUSEHOLD else n_hh
            if below and not cascade:
                what = "residents" if ent is HOUSEHOLD else "households"
                raise Conflict(
                    f"{ent.name} {row_id} still has {below} {what}: delete them "
                    f"first or pass cascade=true"
                )
            removed = {"households": 0 if ent is HOUSEHOLD else n_hh, "residents": n_res}
            ses.execute(sql_delete(Resident).where(Resident.household_id.in_(hh)))
            if ent is not HOUSEHOLD:
                ses.execute(sql_delete(Household).where(Household.id.in_(hh)))
            if ent is BUILDING:
                units = select(Unit.id).where(Unit.building_id == row_id)
                ses.execute(update(Device).where(Device.unit_id.in_(units)).values(unit_id=None))
                ses.execute(sql_delete(Unit).where(Unit.building_id == row_id))
        if ent in (BUILDING, UNIT, ZONE):  # not left to ON DELETE SET NULL: explicit is portable
            ref = f"{ent.name}_id"
            ses.execute(update(Device).where(getattr(Device, ref) == row_id).values({ref: None}))
        ses.delete(row)
        ses.flush()
        platform.audit.append(
            ctx,
            actor,
            f"{ent.name}.delete",
            f"{ent.name}:{row_id}",
            {"cascade": cascade, "removed": removed},
        )
        if ent.topic or ent in (BUILDING, UNIT, ZONE):
            ctx.mark_changed("devices")  # devices may have lost their place

    await _run(platform, job)
