"""REST API of access configuration: holders, credentials, groups, schedules, holidays
and rules (installers and admins write; every edit audited)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from sqlalchemy.orm import Session

from anfang.api.deps import PlatformDep, SessionDep
from anfang.api.types import DbId
from anfang.store.models import Resident
from anfang.subsystems.access import crud, queries
from anfang.subsystems.access import schemas as s
from anfang.subsystems.access.api_common import (
    Config,
    People,
    Reader,
    delete_row,
    errors,
)
from anfang.subsystems.access.errors import AccessError
from anfang.subsystems.access.models import (
    AccessCredential,
    AccessDoor,
    AccessGroup,
    AccessHolder,
    AccessHoliday,
    AccessRule,
    AccessSchedule,
)
from anfang.subsystems.access.service import get_service

router = APIRouter(prefix="/access", tags=["access"])


# ---------------------------------------------------------------------- holders


def _holder_out(session: Session, rows: list[AccessHolder]) -> list[s.HolderOut]:
    groups = crud.groups_of(session, [h.id for h in rows])
    return [
        s.HolderOut.model_validate(h).model_copy(update={"group_ids": groups.get(h.id, [])})
        for h in rows
    ]


@router.get("/holders", response_model=list[s.HolderOut])
def list_holders(
    _: People,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=2**62)] = 0,
) -> list[s.HolderOut]:
    """Holders, by id (paged)."""
    return _holder_out(session, queries.holders(session, limit, offset))


@router.post("/holders", response_model=s.HolderOut, status_code=201)
async def create_holder(data: s.HolderIn, who: Config, platform: PlatformDep) -> s.HolderOut:
    """Add a holder (staff, visitor, or a resident of the site model)."""

    def fn(session: Session) -> tuple[s.HolderOut, str, dict[str, Any]]:
        crud.need(session, Resident, data.resident_id, "resident_id")
        row = AccessHolder(**data.model_dump(exclude={"group_ids"}))
        session.add(row)
        session.flush()
        crud.set_groups(session, row.id, data.group_ids)
        session.flush()
        detail = {"kind": data.kind, "resident_id": data.resident_id, "groups": data.group_ids}
        return _holder_out(session, [row])[0], f"access_holder:{row.id}", detail

    with errors():
        return await crud.write(platform, who.actor, "access.holder.create", fn)


@router.patch("/holders/{holder_id}", response_model=s.HolderOut)
async def update_holder(
    holder_id: DbId, data: s.HolderPatch, who: Config, platform: PlatformDep
) -> s.HolderOut:
    """Change a holder (state, validity, groups)."""
    changes = data.model_dump(exclude_unset=True)

    def fn(session: Session) -> tuple[s.HolderOut, str, dict[str, Any]]:
        row = crud.get_or_404(session, AccessHolder, holder_id, "holder")
        groups = changes.pop("group_ids", None)
        for k, v in changes.items():
            setattr(row, k, v)
        if groups is not None:
            crud.set_groups(session, holder_id, groups)
        session.flush()
        detail = {k: str(v) for k, v in changes.items()} | {"groups": groups}
        return _holder_out(session, [row])[0], f"access_holder:{holder_id}", detail

    with errors():
        return await crud.write(platform, who.actor, "access.holder.update", fn)


@router.delete("/holders/{holder_id}", status_code=204)
async def delete_holder(holder_id: DbId, who: Config, platform: PlatformDep) -> None:
    """Remove a holder and its credentials."""
    await delete_row(platform, who, AccessHolder, holder_id, "holder")


@router.post("/holders/import-residents")
async def import_residents(
    data: s.ImportResidentsIn, who: Config, platform: PlatformDep
) -> dict[str, int]:
    """Make a holder of every resident of the site model that has none."""

    def fn(session: Session) -> tuple[int, str, dict[str, Any]]:
        crud.need(session, AccessGroup, data.group_id, "group_id")
        made = crud.import_residents(session, data.group_id)
        return made, "access_holders", {"created": made, "group_id": data.group_id}

    with errors():
        made = await crud.write(platform, who.actor, "access.holder.import", fn)
    return {"created": made}


# ---------------------------------------------------------------------- credentials


def _cred_out(row: AccessCredential) -> s.CredentialOut:
    out = s.CredentialOut.model_validate(row)
    return out.model_copy(update={"value": "****"}) if row.kind == "pin" else out


@router.get("/credentials", response_model=list[s.CredentialOut])
def list_credentials(
    _: People, session: SessionDep, holder_id: DbId | None = None
) -> list[s.CredentialOut]:
    """Credentials, optionally of one holder (PINs are never shown)."""
    return [_cred_out(r) for r in queries.credentials(session, holder_id)]


@router.post("/credentials", response_model=s.CredentialOut, status_code=201)
async def create_credential(
    data: s.CredentialIn, who: Config, platform: PlatformDep
) -> s.CredentialOut:
    """Add a card (decimal number), PIN (4-8 digits) or face (face-module person id)."""
    value = data.value.strip()
    if data.kind == "card":
        if not value.isdigit() or len(value) > 20:
            raise HTTPException(422, "value: a card number is 1 to 20 decimal digits")
        value = str(int(value))
    elif data.kind == "pin":
        if not value.isdigit() or not 4 <= len(value) <= 8:
            raise HTTPException(422, "value: a PIN is 4 to 8 digits")
        with errors():
            value = get_service(platform).pin_digest(value)

    def fn(session: Session) -> tuple[s.CredentialOut, str, dict[str, Any]]:
        crud.get_or_404(session, AccessHolder, data.holder_id, "holder")
        if crud.credential_taken(session, data.kind, value):
            what = "PIN already in use; choose another" if data.kind == "pin" else "already issued"
            raise AccessError(f"value: {data.kind} {what}", 409)
        row = AccessCredential(**data.model_dump(exclude={"value"}), value=value)
        session.add(row)
        session.flush()
        detail = {"holder_id": data.holder_id, "kind": data.kind}
        return _cred_out(row), f"access_credential:{row.id}", detail

    with errors():
        return await crud.write(platform, who.actor, "access.credential.create", fn)


@router.patch("/credentials/{cred_id}", response_model=s.CredentialOut)
async def update_credential(
    cred_id: DbId, data: s.CredentialPatch, who: Config, platform: PlatformDep
) -> s.CredentialOut:
    """Mark a credential lost/suspended/active or change its validity."""
    changes = data.model_dump(exclude_unset=True)

    def fn(session: Session) -> tuple[s.CredentialOut, str, dict[str, Any]]:
        row = crud.get_or_404(session, AccessCredential, cred_id, "credential")
        for k, v in changes.items():
            setattr(row, k, v)
        detail = {k: str(v) for k, v in changes.items()}
        return _cred_out(row), f"access_credential:{cred_id}", detail

    with errors():
        return await crud.write(platform, who.actor, "access.credential.update", fn)


@router.delete("/credentials/{cred_id}", status_code=204)
async def delete_credential(cred_id: DbId, who: Config, platform: PlatformDep) -> None:
    """Remove a credential."""
    await delete_row(platform, who, AccessCredential, cred_id, "credential")


# ---------------------------------------------------------------------- groups, schedules, …


@router.get("/groups", response_model=list[s.GroupOut])
def list_groups(_: Reader, session: SessionDep) -> list[Any]:
    """Every access group."""
    return queries.rows(session, AccessGroup)


@router.post("/groups", response_model=s.GroupOut, status_code=201)
async def create_group(data: s.GroupIn, who: Config, platform: PlatformDep) -> s.GroupOut:
    """Add an access group."""

    def fn(session: Session) -> tuple[s.GroupOut, str, dict[str, Any]]:
        row = AccessGroup(**data.model_dump())
        session.add(row)
        session.flush()
        return s.GroupOut.model_validate(row), f"access_group:{row.id}", data.model_dump()

    with errors():
        return await crud.write(platform, who.actor, "access.group.create", fn)


@router.delete("/groups/{group_id}", status_code=204)
async def delete_group(group_id: DbId, who: Config, platform: PlatformDep) -> None:
    """Remove a group, its memberships and rules."""
    await delete_row(platform, who, AccessGroup, group_id, "group")


@router.get("/schedules", response_model=list[s.ScheduleOut])
def list_schedules(_: Reader, session: SessionDep) -> list[Any]:
    """Every schedule."""
    return queries.rows(session, AccessSchedule)


@router.post("/schedules", response_model=s.ScheduleOut, status_code=201)
async def create_schedule(data: s.ScheduleIn, who: Config, platform: PlatformDep) -> s.ScheduleOut:
    """Add a weekly schedule (site time zone)."""

    def fn(session: Session) -> tuple[s.ScheduleOut, str, dict[str, Any]]:
        row = AccessSchedule(**data.model_dump())
        session.add(row)
        session.flush()
        return s.ScheduleOut.model_validate(row), f"access_schedule:{row.id}", data.model_dump()

    with errors():
        return await crud.write(platform, who.actor, "access.schedule.create", fn)


@router.delete("/schedules/{schedule_id}", status_code=204)
async def delete_schedule(schedule_id: DbId, who: Config, platform: PlatformDep) -> None:
    """Remove a schedule no rule uses (409 otherwise)."""
    await delete_row(platform, who, AccessSchedule, schedule_id, "schedule")


@router.get("/holidays", response_model=list[s.HolidayOut])
def list_holidays(_: Reader, session: SessionDep) -> list[Any]:
    """Every holiday."""
    return queries.rows(session, AccessHoliday)


@router.post("/holidays", response_model=s.HolidayOut, status_code=201)
async def create_holiday(data: s.HolidayIn, who: Config, platform: PlatformDep) -> s.HolidayOut:
    """Add a holiday (``YYYY-MM-DD`` in site time)."""

    def fn(session: Session) -> tuple[s.HolidayOut, str, dict[str, Any]]:
        row = AccessHoliday(**data.model_dump())
        session.add(row)
        session.flush()
        return s.HolidayOut.model_validate(row), f"access_holiday:{row.id}", data.model_dump()

    with errors():
        return await crud.write(platform, who.actor, "access.holiday.create", fn)


@router.delete("/holidays/{holiday_id}", status_code=204)
async def delete_holiday(holiday_id: DbId, who: Config, platform: PlatformDep) -> None:
    """Remove a holiday."""
    await delete_row(platform, who, AccessHoliday, holiday_id, "holiday")


@router.get("/rules", response_model=list[s.RuleOut])
def list_rules(_: Reader, session: SessionDep) -> list[Any]:
    """Every group × door × schedule rule."""
    return queries.rows(session, AccessRule)


@router.post("/rules", response_model=s.RuleOut, status_code=201)
async def create_rule(data: s.RuleIn, who: Config, platform: PlatformDep) -> s.RuleOut:
    """Let a group through a door (within a schedule)."""

    def fn(session: Session) -> tuple[s.RuleOut, str, dict[str, Any]]:
        crud.need(session, AccessGroup, data.group_id, "group_id")
        crud.need(session, AccessDoor, data.door_id, "door_id")
        crud.need(session, AccessSchedule, data.schedule_id, "schedule_id")
        crud.drop_rule(session, data.group_id, data.door_id)  # one rule per group and door
        row = AccessRule(**data.model_dump())
        session.add(row)
        session.flush()
        return s.RuleOut.model_validate(row), f"access_rule:{row.id}", data.model_dump()

    with errors():
        return await crud.write(platform, who.actor, "access.rule.create", fn)


@router.delete("/rules/{rule_id}", status_code=204)
async def delete_rule(rule_id: DbId, who: Config, platform: PlatformDep) -> None:
    """Remove a rule."""
    await delete_row(platform, who, AccessRule, rule_id, "rule")
