"""Car-park reports: traffic and occupancy by hour, classes, longest stays, black-list hits,
and the workbook."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from tests.subsystems.parking.conftest import Park

TZ = ZoneInfo("Asia/Shanghai")


async def test_day_report_and_workbook(park: Park) -> None:
    now = datetime.now(UTC)
    t0 = now - timedelta(minutes=20)
    if t0.astimezone(TZ).date() != now.astimezone(TZ).date():
        t0 = now  # just after midnight: keep the reads in one local day
    await park.read("苏E12345", at=t0)
    await park.read("浙B99999", at=t0)  # unknown: stays out, but is counted as read
    await park.read("沪A66666", at=t0)
    await park.read("苏E12345", lane="CAM-OUT", at=now)
    params = {"period": "day", "day": now.astimezone(TZ).date().isoformat()}
    r = await park.client.get("/api/v1/parking/report", params=params, headers=park.headers)
    assert r.status_code == 200, r.text
    rep = r.json()
    assert len(rep["steps"]) == 24
    assert sum(s["entries"] for s in rep["steps"]) == 1  # the refused cars never came in
    assert sum(s["exits"] for s in rep["steps"]) == 1
    assert rep["by_class"] == {"resident": 1}
    assert [h["plate"] for h in rep["blacklist"]] == ["沪A66666"]
    assert rep["longest"][0]["hours"] >= 0
    r = await park.client.get("/api/v1/parking/report.xlsx", params=params, headers=park.headers)
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["车流", "车辆类别", "停留最长", "黑名单"]
    assert wb["黑名单"]["B2"].value == "沪A66666"
    month = await park.client.get(
        "/api/v1/parking/report", params={**params, "period": "month"}, headers=park.headers
    )
    assert month.status_code == 200 and len(month.json()["steps"]) >= 28
