"""Whose home an alarm is from: the household, its address, residents and phones, and the
partition and zone with its arm state, for the alarm detail (issue 17: burglary and fire
alarms from SIA accounts showed "—" while the procedure says to call the resident)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.core.alarms import field
from anfang.store.models import Alarm, Building, EventRow, Household, Resident, Unit
from anfang.subsystems.home_alarm.models import AlarmAccount, AlarmPartition, AlarmZone

ROLE_ZH = {"owner": "业主", "tenant": "租户", "family": "家属"}


def account_of(session: Session, source: str) -> AlarmAccount | None:
    """The account whose events carry ``source`` (its device code, or ``SIA-<account>``)."""
    found = session.scalar(select(AlarmAccount).where(AlarmAccount.device_code == source))
    if found is None and source.startswith("SIA-"):
        found = session.scalar(select(AlarmAccount).where(AlarmAccount.account == source[4:]))
    return found


def household_sources(session: Session, household_id: int) -> list[str]:
    """The event sources of a household's panels (device code, else ``SIA-<account>``)."""
    rows = session.execute(
        select(AlarmAccount.account, AlarmAccount.device_code).where(
            AlarmAccount.household_id == household_id
        )
    )
    return [code or f"SIA-{account}" for account, code in rows]


def address(session: Session, household_id: int) -> tuple[Household, str] | None:
    """A household and its address ("3号楼 2单元 1201")."""
    hh = session.get(Household, household_id)
    if hh is None:
        return None
    unit = session.get(Unit, hh.unit_id)
    building = session.get(Building, unit.building_id) if unit is not None else None
    parts = [building.name if building else "", unit.name if unit else "", hh.room]
    return hh, " ".join(p for p in parts if p)


def household_section(session: Session, household_id: int) -> dict[str, Any] | None:
    """The household with its residents and phone numbers."""
    found = address(session, household_id)
    if found is None:
        return None
    hh, where = found
    fields = [field("住户", "Household", where), field("楼层", "Floor", hh.floor)]
    if hh.phone:
        fields.append(field("住户电话", "Household phone", hh.phone, tel=True))
    residents = session.scalars(
        select(Resident).where(Resident.household_id == hh.id).order_by(Resident.id)
    )
    for r in residents:
        role = ROLE_ZH.get(r.role, r.role)
        fields.append(field(f"住户（{role}）", f"Resident ({r.role})", r.name))
        if r.phone:
            fields.append(field(f"{r.name} 电话", f"{r.name}'s phone", r.phone, tel=True))
    return {
        "key": "household",
        "zh": "住户信息",
        "en": "Household",
        "household_id": hh.id,
        "fields": fields,
    }


def alarm_context(session: Session, alarm: Alarm) -> list[dict[str, Any]]:
    """The sections the home alarm knows of ``alarm`` (none when its source is no account)."""
    acct = account_of(session, alarm.source)
    if acct is None:
        return []
    first = session.get(EventRow, alarm.first_event_id)
    payload = first.payload if first is not None else {}
    zone_code = str(payload.get("zone") or "")
    part_code = str(payload.get("partition") or "")
    panel: list[dict[str, Any]] = [field("报警主机账号", "Panel account", acct.account)]
    zone = None
    if zone_code:
        zone = session.scalar(
            select(AlarmZone).where(AlarmZone.account_id == acct.id, AlarmZone.zone == zone_code)
        )
        name = f"{zone_code} {zone.name or zone.room}".strip() if zone else zone_code
        panel.append(field("防区", "Zone", name))
        if zone is not None:
            panel.append(field("防区类型", "Zone type", zone.zone_type, zonetype=True))
    part_code = part_code or (zone.partition if zone is not None and zone.partition else "")
    part = None
    if part_code:
        part = session.scalar(
            select(AlarmPartition).where(
                AlarmPartition.account_id == acct.id, AlarmPartition.partition == part_code
            )
        )
        label = f"{part_code} {part.name}".strip() if part else part_code
        panel.append(field("分区", "Partition", label))
        panel.append(field("布防状态", "Arm state", part.state if part else "unknown", arm=True))
    panel.append(field("通信状态", "Communication", acct.comm_state, comm=True))
    sections: list[dict[str, Any]] = []
    if acct.household_id is not None:
        hh = household_section(session, acct.household_id)
        if hh is not None:
            sections.append(hh)
    sections.append(
        {
            "key": "panel",
            "zh": "报警主机",
            "en": "Alarm panel",
            "account": acct.account,
            "partition": part_code or None,
            "settable": bool(part_code and part is not None and part.operator_settable),
            "fields": panel,
        }
    )
    return sections
