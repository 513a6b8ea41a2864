"""What the home alarm states for the compliance checker: per household (``building/unit/
room``), whether a networked panel reports for it, with a panic button, with intrusion
detection."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.core.facts import Fact, Value
from anfang.store.models import Building, Household, Unit
from anfang.subsystems.home_alarm.models import AlarmAccount, AlarmZone

INTRUSION = {"burglary", "perimeter"}


def facts(s: Session, _now: datetime) -> Mapping[str, Fact]:
    """``home_alarm.networked``, ``home_alarm.panic`` and ``home_alarm.intrusion``: True per
    household key where an enabled account reports for it (and has such a zone)."""
    keys = {
        hid: f"{b}/{u}/{room}"
        for hid, b, u, room in s.execute(
            select(Household.id, Building.code, Unit.code, Household.room)
            .join(Unit, Unit.id == Household.unit_id)
            .join(Building, Building.id == Unit.building_id)
        )
    }
    networked: dict[str, Value] = {}
    panic: dict[str, Value] = {}
    intrusion: dict[str, Value] = {}
    rows = s.execute(
        select(AlarmAccount.household_id, AlarmZone.zone_type)
        .outerjoin(AlarmZone, AlarmZone.account_id == AlarmAccount.id)
        .where(AlarmAccount.enabled.is_(True), AlarmAccount.household_id.is_not(None))
    )
    for hid, zone_type in rows:
        key = keys.get(hid) if hid is not None else None
        if key is None:
            continue
        networked[key] = True
        if zone_type == "panic":
            panic[key] = True
        if zone_type in INTRUSION:
            intrusion[key] = True
    n = len(networked)
    return {
        "home_alarm.networked": Fact(n, f"{n} 户有联网报警主机（SIA DC-09 账户）", networked),
        "home_alarm.panic": Fact(len(panic), f"{len(panic)} 户设有紧急求助按钮防区", panic),
        "home_alarm.intrusion": Fact(
            len(intrusion), f"{len(intrusion)} 户设有入侵探测防区", intrusion
        ),
    }
