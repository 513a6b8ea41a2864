"""The monitoring centre's reports (``alarms.read``): a day or a month as data, and as XLSX
or PDF files in Chinese (each download audited)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from anfang.api.deps import PlatformDep, Principal, SessionDep, require
from anfang.auth.rbac import Perm
from anfang.subsystems.center import reports
from anfang.subsystems.center import service as svc

router = APIRouter(prefix="/center/reports", tags=["center"])
Reader = Annotated[Principal, Depends(require(Perm.ALARMS_READ))]
Day = Annotated[date, Query(description="a day of the period (site time)")]


@router.get("/summary")
def summary(
    _: Reader, session: SessionDep, platform: PlatformDep, day: Day, period: reports.Period = "day"
) -> dict[str, Any]:
    """Alarms by time, kind and zone; response and handling times; false alarms and their
    causes; devices; access, visitors, cars and patrols, for the day or month of ``day``."""
    return svc.report(session, platform, period, day)


@router.get("/summary.{fmt}", response_class=Response)
async def summary_file(
    fmt: svc.Format,
    who: Reader,
    platform: PlatformDep,
    day: Day,
    period: reports.Period = "day",
) -> Response:
    """The same report as an XLSX workbook (with charts) or a PDF."""
    body, name = await svc.report_file(platform, who.actor, period, day, fmt)
    disposition = f"attachment; filename=\"report.{fmt}\"; filename*=UTF-8''{quote(name)}"
    return Response(body, media_type=svc.MEDIA[fmt], headers={"Content-Disposition": disposition})
