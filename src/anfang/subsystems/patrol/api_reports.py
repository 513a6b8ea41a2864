"""The guard tour's reports (mounted under ``/api/v1``): JSON for the console's charts and
an XLSX download, for a day or a month (site time)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Response

from anfang.api.deps import PlatformDep, Principal, SessionDep, require
from anfang.auth.rbac import Perm
from anfang.store.base import utcnow
from anfang.subsystems.patrol import reports
from anfang.subsystems.patrol.schemas import Report

router = APIRouter(prefix="/patrol", tags=["patrol"])
Reader = Annotated[Principal, Depends(require(Perm.SITE_READ))]
Period = Literal["day", "month"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _report(session: SessionDep, platform: PlatformDep, period: Period, day: date | None) -> Report:
    tz = ZoneInfo(platform.settings.site_timezone)
    now = utcnow()
    return reports.report(session, period, day or now.astimezone(tz).date(), tz, now)


@router.get("/report", response_model=Report)
def get_report(
    _: Reader, session: SessionDep, platform: PlatformDep, period: Period = "day",
    day: date | None = None,
) -> Report:  # fmt: skip
    """Compliance per guard, route and day, and the check-ins by verdict."""
    return _report(session, platform, period, day)


@router.get("/report.xlsx", response_class=Response, responses={200: {"content": {XLSX: {}}}})
def get_report_xlsx(
    _: Reader, session: SessionDep, platform: PlatformDep, period: Period = "day",
    day: date | None = None,
) -> Response:  # fmt: skip
    """The same report as an Excel workbook."""
    rep = _report(session, platform, period, day)
    name = f"patrol-{period}-{rep.first}.xlsx"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(reports.xlsx(rep), media_type=XLSX, headers=headers)
