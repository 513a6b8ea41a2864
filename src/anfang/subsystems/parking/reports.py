"""Car-park reports for a day (by hour) or a month (by day): entries and exits, occupancy
at each step, entries by vehicle class, the longest stays and the black-list hits; and the
same as an XLSX workbook with charts."""

from __future__ import annotations

import io
import itertools
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from pydantic import BaseModel
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from anfang.store.models import EventRow
from anfang.subsystems.parking.models import ParkingSession


class Step(BaseModel):
    """One hour (of a day) or day (of a month)."""

    label: str
    entries: int
    exits: int
    occupancy: int  # vehicles inside at the end of the step


class Stay(BaseModel):
    """A long stay."""

    plate: str
    vehicle_class: str
    entered_at: datetime
    exited_at: datetime | None
    hours: float


class Hit(BaseModel):
    """A black-list hit."""

    at: datetime
    plate: str
    camera: str


class Report(BaseModel):
    """A day's or month's car-park report."""

    period: str
    first: date
    last: date
    steps: list[Step]
    by_class: dict[str, int]
    longest: list[Stay]
    blacklist: list[Hit]


def _bounds(period: str, day: date, tz: ZoneInfo) -> tuple[date, date, list[datetime]]:
    if period == "day":
        start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
        return day, day, [start + timedelta(hours=h) for h in range(25)]
    first = day.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    start = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    return first, last, [start + timedelta(days=d) for d in range((last - first).days + 2)]


def report(session: Session, period: str, day: date, tz: ZoneInfo, now: datetime) -> Report:
    """The report of the day or month ``day`` falls in."""
    first, last, edges = _bounds(period, day, tz)
    lo, hi = edges[0], edges[-1]
    stays = list(
        session.scalars(
            select(ParkingSession).where(
                or_(ParkingSession.entered_at < hi, ParkingSession.entered_at.is_(None)),
                or_(ParkingSession.exited_at >= lo, ParkingSession.exited_at.is_(None)),
            )
        )
    )
    steps = []
    for a, b in itertools.pairwise(edges):
        entries = sum(1 for s in stays if s.entered_at and a <= s.entered_at < b)
        exits = sum(1 for s in stays if s.exited_at and a <= s.exited_at < b)
        at = min(b, now)
        inside = sum(
            1 for s in stays
            if s.entered_at and s.entered_at < at and (s.exited_at is None or s.exited_at >= at)
            and s.state != "unmatched"
        )  # fmt: skip
        label = a.strftime("%H:00") if period == "day" else a.strftime("%m-%d")
        steps.append(Step(label=label, entries=entries, exits=exits, occupancy=inside))
    by_class: dict[str, int] = {}
    for s in stays:
        if s.entered_at and lo <= s.entered_at < hi:
            by_class[s.vehicle_class] = by_class.get(s.vehicle_class, 0) + 1
    longest = sorted(
        (s for s in stays if s.entered_at),
        key=lambda s: (s.exited_at or now) - s.entered_at,  # type: ignore[operator]
        reverse=True,
    )[:10]
    hits = session.scalars(
        select(EventRow)
        .where(
            EventRow.kind == "parking.blacklist",
            EventRow.occurred_at >= lo,
            EventRow.occurred_at < hi,
        )
        .order_by(EventRow.occurred_at)
        .limit(500)
    )
    return Report(
        period=period, first=first, last=last, steps=steps, by_class=by_class,
        longest=[_stay(s, now) for s in longest],
        blacklist=[Hit(at=e.occurred_at, plate=str(e.payload.get("plate", "")), camera=e.source)
                   for e in hits],
    )  # fmt: skip


def _stay(s: ParkingSession, now: datetime) -> Stay:
    assert s.entered_at is not None
    hours = ((s.exited_at or now) - s.entered_at).total_seconds() / 3600
    return Stay(
        plate=s.plate, vehicle_class=s.vehicle_class, entered_at=s.entered_at,
        exited_at=s.exited_at, hours=round(hours, 2),
    )  # fmt: skip


def xlsx(rep: Report, tz: ZoneInfo) -> bytes:
    """The report as a workbook: traffic and occupancy charted, stays, black-list hits."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "车流"
    ws.append(["时段", "入场", "出场", "场内车辆"])
    for s in rep.steps:
        ws.append([s.label, s.entries, s.exits, s.occupancy])
    n = len(rep.steps) + 1
    bars = BarChart()
    bars.title = "入场 / 出场"
    bars.add_data(Reference(ws, min_col=2, max_col=3, min_row=1, max_row=n), titles_from_data=True)
    bars.set_categories(Reference(ws, min_col=1, min_row=2, max_row=n))
    ws.add_chart(bars, "F2")
    line = LineChart()
    line.title = "场内车辆"
    line.add_data(Reference(ws, min_col=4, min_row=1, max_row=n), titles_from_data=True)
    line.set_categories(Reference(ws, min_col=1, min_row=2, max_row=n))
    ws.add_chart(line, "F20")
    cls = wb.create_sheet("车辆类别")
    cls.append(["类别", "入场次数"])
    for k, v in sorted(rep.by_class.items()):
        cls.append([k, v])
    stays = wb.create_sheet("停留最长")
    stays.append(["车牌", "类别", "入场", "出场", "小时"])
    for st in rep.longest:
        stays.append(
            [
                st.plate,
                st.vehicle_class,
                _local(st.entered_at, tz),
                _local(st.exited_at, tz),
                st.hours,
            ]
        )
    black = wb.create_sheet("黑名单")
    black.append(["时间", "车牌", "相机"])
    for h in rep.blacklist:
        black.append([_local(h.at, tz), h.plate, h.camera])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _local(at: datetime | None, tz: ZoneInfo) -> Any:
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if at else ""
