"""Guard-tour reports: compliance per guard, route and day over a day or a month, from the
rounds as last judged, and the same as an XLSX workbook (openpyxl) with a chart."""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anfang.subsystems.patrol.models import PatrolCheckin, PatrolGuard, PatrolRound, PatrolRoute
from anfang.subsystems.patrol.schemas import Report, ReportRow


def period_days(period: str, day: date) -> tuple[date, date]:
    """The first and last day of the day or month ``day`` falls in."""
    if period == "day":
        return day, day
    first = day.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return first, nxt - timedelta(days=1)


class _Acc:
    def __init__(self) -> None:
        self.rounds = self.complete = self.not_started = 0
        self.points = self.on_time = self.late = self.missed = 0

    def add(self, r: PatrolRound) -> None:
        self.rounds += 1
        self.complete += r.finished and r.points_missed == 0 and r.status != "not_started"
        self.not_started += r.status == "not_started"
        self.points += r.points_total
        self.on_time += r.points_on_time
        self.late += r.points_late
        self.missed += r.points_missed if r.status != "not_started" else r.points_total

    def row(self, key: str) -> ReportRow:
        pct = round(100.0 * self.on_time / self.points, 1) if self.points else 0.0
        return ReportRow(
            key=key, rounds=self.rounds, rounds_complete=self.complete,
            rounds_not_started=self.not_started, points=self.points, on_time=self.on_time,
            late=self.late, missed=self.missed, compliance_pct=pct,
        )  # fmt: skip


def report(session: Session, period: str, day: date, tz: ZoneInfo, now: datetime) -> Report:
    """The report of the day or month ``day`` falls in; rounds not yet due are left out."""
    first, last = period_days(period, day)
    guards = {k: v for k, v in session.execute(select(PatrolGuard.id, PatrolGuard.name))}
    routes = {k: v for k, v in session.execute(select(PatrolRoute.id, PatrolRoute.name))}
    total = _Acc()
    by_guard: dict[str, _Acc] = defaultdict(_Acc)
    by_route: dict[str, _Acc] = defaultdict(_Acc)
    by_day: dict[str, _Acc] = defaultdict(_Acc)
    q = select(PatrolRound).where(
        PatrolRound.day >= first, PatrolRound.day <= last, PatrolRound.planned_start <= now
    )
    for r in session.scalars(q):
        if r.status in ("scheduled", "waiting"):
            continue
        guard = guards.get(r.guard_id) if r.guard_id else None
        for acc in (
            total,
            by_guard[guard or r.guard_seen or "—"],
            by_route[routes.get(r.route_id, str(r.route_id))],
            by_day[r.day.isoformat()],
        ):
            acc.add(r)
    lo = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    hi = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    verdicts = {
        v: n
        for v, n in session.execute(
            select(PatrolCheckin.verdict, func.count())
            .where(PatrolCheckin.occurred_at >= lo, PatrolCheckin.occurred_at < hi)
            .group_by(PatrolCheckin.verdict)
        )
    }
    return Report(
        period=period,
        first=first,
        last=last,
        totals=total.row("total"),
        by_guard=[a.row(k) for k, a in sorted(by_guard.items())],
        by_route=[a.row(k) for k, a in sorted(by_route.items())],
        by_day=[a.row(k) for k, a in sorted(by_day.items())],
        checkins={k: int(v) for k, v in verdicts.items()},
    )


_HEAD = ["", "轮次", "完成", "未开始", "应到点", "准时", "迟到", "漏检", "合格率 %"]


def xlsx(rep: Report) -> bytes:
    """The report as a workbook: a sheet per view, the daily compliance charted."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "汇总"
    ws.append(["电子巡查报表", f"{rep.first} – {rep.last}"])
    ws.append(_HEAD)
    _rows(ws, [rep.totals])
    ws.append([])
    ws.append(["打卡结果", "次数"])
    for verdict, n in sorted(rep.checkins.items()):
        ws.append([verdict, n])
    for title, rows in (("按人员", rep.by_guard), ("按路线", rep.by_route), ("按日", rep.by_day)):
        sheet = wb.create_sheet(title)
        sheet.append(_HEAD)
        _rows(sheet, rows)
        sheet.column_dimensions["A"].width = 18
        if rows:
            chart = BarChart()
            chart.title = f"合格率 % ({title})"
            chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 100
            data = Reference(sheet, min_col=9, min_row=1, max_row=len(rows) + 1)
            chart.add_data(data, titles_from_data=True)
            chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=len(rows) + 1))
            sheet.add_chart(chart, "K2")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _rows(ws: object, rows: list[ReportRow]) -> None:
    for r in rows:
        ws.append(  # type: ignore[attr-defined]
            [r.key, r.rounds, r.rounds_complete, r.rounds_not_started, r.points, r.on_time,
             r.late, r.missed, r.compliance_pct]
        )  # fmt: skip
