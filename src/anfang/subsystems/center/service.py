"""The monitoring centre's services as the API uses them: the alarm history, the report
of a day or month (as data, XLSX or PDF, every file download audited), and duty shifts
(:mod:`anfang.subsystems.center.shifts`)."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any, Literal

from sqlalchemy.orm import Session

from anfang.subsystems.center import report_files, reports
from anfang.subsystems.center.history import HistoryFilter, search
from anfang.subsystems.center.shifts import CenterPlatform, accept, add_log, handover, start

__all__ = ["CenterPlatform", "HistoryFilter", "accept", "add_log", "handover", "history", "start"]

Format = Literal["xlsx", "pdf"]
MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def history(
    s: Session, platform: CenterPlatform, f: HistoryFilter
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the alarm history."""
    return search(s, platform.alarms, f)


def report(
    s: Session, platform: CenterPlatform, period: reports.Period, day: date
) -> dict[str, Any]:
    """The report of the day or month holding ``day``."""
    return reports.summary(s, platform.alarms, period, day)


async def report_file(
    platform: CenterPlatform, actor: str, period: reports.Period, day: date, fmt: Format
) -> tuple[bytes, str]:
    """The report as a file and its file name (computed and rendered off the event loop);
    the download is audited."""
    render = report_files.xlsx if fmt == "xlsx" else report_files.pdf

    def work() -> tuple[dict[str, Any], bytes]:
        with platform.read_session() as s:
            data = reports.summary(s, platform.alarms, period, day)
        return data, render(data)

    data, body = await asyncio.to_thread(work)
    name = f"{report_files.title(data).replace(' ', '-')}.{fmt}"
    await platform.audit.record(actor, "center.report.export", name, {"format": fmt})
    return body, name
