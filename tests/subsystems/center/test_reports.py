"""The day's and month's report: counts, times, false alarms, devices, activity; as XLSX
with charts and as a Chinese PDF."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from anfang.app.platform import Platform
from anfang.core import alarm_service
from anfang.core.alarm_rules import Step
from anfang.core.events import Event
from anfang.store.base import utcnow
from anfang.subsystems.center import report_files, reports


async def test_the_days_report_counts_and_times(platform: Platform) -> None:
    for source in ("PZ-1", "PZ-2"):
        await platform.pipeline.submit(Event.create("perimeter.intrusion", source))
    await platform.pipeline.submit(Event.create("access.granted", "DR-1"))
    ids = {a["source"]: a["id"] for a in alarm_service.open_queue(platform.alarms)}
    w, e = platform.writer, platform.alarms
    await alarm_service.step(w, e, ids["PZ-1"], Step("false_alarm", "user:a", "猫", cause="animal"))
    await alarm_service.step(w, e, ids["PZ-2"], Step("acknowledge", "user:a"))
    today = utcnow().astimezone(e.tz).date()
    with platform.read_session() as s:
        r = reports.summary(s, e, "day", today)
        month = reports.summary(s, e, "month", today)
    assert r["totals"] == {
        "alarms": 2,
        "closed": 1,
        "open": 1,
        "false": 1,
        "false_rate": 1.0,
        "escalated": 0,
    }
    assert len(r["by_time"]) == 24 and sum(x["count"] for x in r["by_time"]) == 2
    assert r["by_kind"][0]["zh"] == "周界入侵" and r["by_kind"][0]["count"] == 2
    assert r["causes"] == [{"code": "animal", "zh": "动物触发", "en": "Animal", "count": 1}]
    assert r["response"]["count"] == 2 and r["handling"]["count"] == 1
    assert {x["code"]: x["count"] for x in r["activity"]}["access_granted"] == 1
    assert 28 <= len(month["by_time"]) <= 31 and month["totals"]["alarms"] == 2

    book = load_workbook(io.BytesIO(report_files.xlsx(r)))
    assert book.sheetnames[:3] == ["概览", "按时间", "按类型"]
    assert book["概览"]["B3"].value == 2 and len(book["按时间"]._charts) == 1
    pdf = report_files.pdf(r)
    assert pdf.startswith(b"%PDF") and b"STSong-Light" in pdf
    assert report_files.title(r).startswith("监控中心日报 ")
