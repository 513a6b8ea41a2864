"""The car park's reports (mounted under ``/api/v1``): JSON for the console's charts and an
XLSX download, for a day (by hour) or a month (by day), site time."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Response

from anfang.api.deps import PlatformDep, Principal, SessionDep, require
from anfang.auth.rbac import Perm
from anfang.store.base import utcnow
from anfang.subsystems.parking import reports

router = APIRouter(prefix="/parking", tags=["parking"])
Reader = Annotated[Principal, Depends(require(Perm.SITE_READ))]
Period = Literal["day", "month"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _report(
    session: SessionDep, platform: PlatformDep, period: Period, day: date | None
) -> reports.Report:
    tz = ZoneInfo(platform.settings.site_timezone)
    now = utcnow()
    return reports.report(session, period, day or now.astimezone(tz).date(), tz, now)


@router.get("/report", response_model=reports.Report)
def get_report(
    _: Reader, session: SessionDep, platform: PlatformDep, period: Period = "day",
    day: date | None = None,
) -> reports.Report:  # fmt: skip
    """Entries, exits and occupancy by hour (day) or day (month), entries by class, the
    longest stays and the black-list hits."""
    return _report(session, platform, period, day)


@router.get("/report.xlsx", response_class=Response, responses={200: {"content": {XLSX: {}}}})
def get_report_xlsx(
    _: Reader, session: SessionDep, platform: PlatformDep, period: Period = "day",
    day: date | None = None,
) -> Response:  # fmt: skip
    """The same report as an Excel workbook with charts."""
    rep = _report(session, platform, period, day)
    body = reports.xlsx(rep, ZoneInfo(platform.settings.site_timezone))
    headers = {"Content-Disposition": f'attachment; filename="parking-{period}-{rep.first}.xlsx"'}
    return Response(body, media_type=XLSX, headers=headers)
