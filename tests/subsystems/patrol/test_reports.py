"""Reports: compliance per guard, route and day, and the same as an XLSX workbook."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.subsystems.patrol.conftest import Tour, swipe


async def test_report_and_workbook(tour: Tour) -> None:
    await tour.push(("a", swipe(1), 0.5), ("b", swipe(2), 9), ("d", swipe(4), 15.5))
    await tour.push(("x", swipe(1, tag="DEADBEEF"), 3))
    await tour.patrol.tick()
    params = {"period": "day", "day": tour.start.date().isoformat()}
    r = await tour.client.get("/api/v1/patrol/report", params=params, headers=tour.headers)
    assert r.status_code == 200, r.text
    rep = r.json()
    t = rep["totals"]
    assert (t["rounds"], t["points"], t["on_time"], t["late"], t["missed"]) == (1, 4, 2, 1, 1)
    assert t["compliance_pct"] == 50.0
    assert [g["key"] for g in rep["by_guard"]] == ["张伟"]
    assert [g["key"] for g in rep["by_route"]] == ["东线"]
    assert rep["checkins"] == {"ok": 3, "unknown_tag": 1}
    month = await tour.client.get(
        "/api/v1/patrol/report", params={**params, "period": "month"}, headers=tour.headers
    )
    assert month.json()["first"].endswith("-01") and month.json()["totals"]["rounds"] == 1
    r = await tour.client.get("/api/v1/patrol/report.xlsx", params=params, headers=tour.headers)
    assert r.status_code == 200
    assert "attachment" in r.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["汇总", "按人员", "按路线", "按日"]
    assert wb["按人员"]["A2"].value == "张伟" and wb["按人员"]["I2"].value == 50.0
    bad = await tour.client.get(
        "/api/v1/patrol/report", params={"period": "year"}, headers=tour.headers
    )
    assert bad.status_code == 422
