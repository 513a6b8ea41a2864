"""What physical protection states for the compliance checker: each fence's or wall's
height, its bar spacing and rails below 1 m, by the item's code."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.core.facts import Fact, Value, least
from anfang.subsystems.physical.models import PhysicalItem


def facts(s: Session, _now: datetime) -> Mapping[str, Fact]:
    """``physical.fence_height_m`` (lowest, and per fence or wall), ``physical.bar_gap_cm``
    (widest), ``physical.low_rails`` (True per fence with rails below 1 m)."""
    rows = s.scalars(select(PhysicalItem).where(PhysicalItem.kind.in_(("fence", "wall")))).all()
    heights: dict[str, Value] = {r.code: r.height_m for r in rows}
    gaps: dict[str, Value] = {r.code: r.bar_gap_cm for r in rows if r.bar_gap_cm is not None}
    rails: dict[str, Value] = {r.code: r.low_rails for r in rows}
    widest = max((float(v) for v in gaps.values() if isinstance(v, float | int)), default=None)
    return {
        "physical.fences": Fact(len(rows), f"实体防护台账中围墙/围栏 {len(rows)} 段"),
        "physical.fence_height_m": Fact(
            least(heights), "台账记录的围墙/围栏高度（取最低）", heights
        ),
        "physical.bar_gap_cm": Fact(widest, "台账记录的栅栏间距（取最宽）", gaps),
        "physical.low_rails": Fact(any(rails.values()), "1 米以下是否有可攀爬横档", rails),
    }
