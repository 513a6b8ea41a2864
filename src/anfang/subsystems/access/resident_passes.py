"""What a resident may put on a visitor pass (issue 14): only the doors on the way to
their own home, within the limits the property sets. Staff are not bound by this."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, column, select, table
from sqlalchemy.orm import Session

from anfang.config import Settings
from anfang.core.errors import DomainError
from anfang.store.base import Base
from anfang.store.models import Household

_DOORS = table("access_doors", column("code", String), column("unit_id"), column("kind", String))
# The doors of the community's edge a resident's visitor may pass: pedestrian gates,
# turnstiles and the car-park barrier (not a door inside another building).
COMMUNITY_KINDS = ("gate", "turnstile", "barrier")


class ResidentPassRefused(DomainError):
    """A pass a resident may not issue; ``status`` 403 (a door) or 422 (a limit)."""


def resident_limits(settings: Settings, start: datetime, until: datetime, uses: int) -> None:
    """The property's limits on what a resident may issue (settings ``resident_pass_*``)."""
    most_uses = settings.resident_pass_max_uses
    if uses > most_uses:
        raise ResidentPassRefused(f"a resident's pass may allow at most {most_uses} uses", 422)
    most_days = settings.resident_pass_max_days
    if until - start > timedelta(days=most_days):
        raise ResidentPassRefused(
            f"a resident's pass may be valid for at most {most_days} days", 422
        )


def doors_on_the_way_home(s: Session, household: int, doors: tuple[str, ...]) -> None:
    """Refuse (403) any door a resident's visitor has no business at: only the
    community's gates and the unit door of the resident's own unit, never a device that
    is not a door."""
    unit = s.scalar(select(Household.unit_id).where(Household.id == household))
    rows = {}
    if "access_doors" in Base.metadata.tables:
        rows = {
            code: (unit_id, kind)
            for code, unit_id, kind in s.execute(
                select(_DOORS.c.code, _DOORS.c.unit_id, _DOORS.c.kind).where(
                    _DOORS.c.code.in_(doors)
                )
            )
        }
    for door in doors:
        if door not in rows:
            raise ResidentPassRefused(f"{door!r} is not an access door residents may name", 403)
        unit_id, kind = rows[door]
        if unit_id is None and kind not in COMMUNITY_KINDS:
            raise ResidentPassRefused(f"door {door!r} is not a community gate", 403)
        if unit_id is not None and unit_id != unit:
            raise ResidentPassRefused(f"door {door!r} is not on the way to your home", 403)
