"""The compliance tab in the console (Chromium, real ``anfang serve``): a police inspector
sees the project's stage and the checker's report with pass, fail and advisory results,
approves the submitted design, issues a rectification order, and checks a report file's
signature; the property company answers the order."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.web.conftest import SITE_FILE, Server
from tests.web.test_center_console import _shot
from tests.web.test_console import WAIT_MS, Console

pytestmark = pytest.mark.browser
POLICE_PW = "police-inspector-pw"


@pytest.fixture
def console(browser: Any, server: Server) -> Iterator[Console]:
    """A browser tab on the console at 1366×900, in Chinese."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    try:
        yield Console(context.new_page(), server)
    finally:
        context.close()


def _setup(server: Server) -> int:
    server.new_user("minjing", "police_inspector", POLICE_PW)
    with server.client(server.admin_token()) as c:
        doc = copy.deepcopy(SITE_FILE)
        doc["design"] = {"video.retention_days": 30, "uplink.gb28181": 1}
        design = {
            "kind": "design",
            "title": "设计方案",
            "body": yaml.safe_dump(doc, allow_unicode=True),
        }
        r = c.post(
            "/api/v1/compliance/project/steps", json={"action": "submit_design", "document": design}
        )
        assert r.status_code == 201, r.text
        r = c.post("/api/v1/compliance/reports", json={"mode": "live"})
        assert r.status_code == 201, r.text
        report_id: int = r.json()["id"]
        return report_id


def test_inspector_reviews_reports_and_orders(
    console: Console, server: Server, tmp_path: Path
) -> None:
    report_id = _setup(server)
    page: Any = console.page
    page.goto(server.base_url + "/")
    page.fill("#login-username", "minjing")
    page.fill("#login-password", POLICE_PW)
    page.click("#login-submit")
    page.wait_for_selector("#app:not([hidden])")
    assert page.is_visible("#tab-compliance") and not page.is_visible("#tab-users")
    page.keyboard.press("-")
    page.wait_for_selector('.comp-stage.now[data-stage="design_submitted"]')
    page.wait_for_selector('#comp-result-rows tr[data-rule="PER-01"]')
    states = set(
        page.eval_on_selector_all("#comp-result-rows tr", "rows => rows.map(r => r.dataset.state)")
    )
    assert {"pass", "fail", "advisory"} <= states
    assert "设计待审" in page.inner_text("#comp-stepper")

    # Approve the design with an opinion.
    form = page.locator('#comp-step-form form[data-action="review"]')
    form.locator('select[name="verdict"]').select_option("approve")
    form.locator('input[name="opinion"]').fill("同意，按意见整改")
    form.locator('button[type="submit"]').click()
    page.wait_for_selector('.comp-stage.now[data-stage="design_approved"]')
    assert "同意，按意见整改" in (page.text_content("#comp-steps") or "")

    # Issue a rectification order.
    order = page.locator("#comp-order-form")
    order.locator('input[name="title"]').fill("1号楼各单元出入口补设摄像机")
    order.locator('input[name="rule"]').fill("VID-01")
    order.locator('input[name="deadline"]').fill(
        (datetime.now(UTC) + timedelta(days=15)).strftime("%Y-%m-%d")
    )
    order.locator('button[type="submit"]').click()
    page.wait_for_selector('#comp-order-list .comp-order[data-state="open"]')
    assert "1号楼各单元出入口补设摄像机" in page.inner_text("#comp-order-list")

    # A report file checked against its signature, then a tampered one.
    with server.client(server.admin_token()) as c:
        html = c.get(f"/api/v1/compliance/reports/{report_id}/file").content
    good, bad = tmp_path / "report.html", tmp_path / "altered.html"
    good.write_bytes(html)
    bad.write_bytes(html.replace("测试小区".encode(), "别的小区".encode()))
    page.set_input_files("#comp-verify", str(good))
    page.wait_for_selector(f"text=签名有效：报告 #{report_id}", timeout=WAIT_MS)
    page.set_input_files("#comp-verify", str(bad))
    page.wait_for_selector("text=校验未通过", timeout=WAIT_MS)
    page.evaluate("document.querySelector('#panel-compliance').scrollTo(0, 0)")
    _shot(page, tmp_path, "compliance")
    page.locator("#comp-status").scroll_into_view_if_needed()
    assert page.locator("#comp-status svg.comp-uptime rect").count() >= 2
    assert page.locator("#comp-ret-rows tr").count() == 5  # the inspector reads, cannot edit
    assert page.locator("#comp-ret-rows input").count() == 0
    assert not console.errors, console.errors

    # The property company answers in its own console.
    with server.client(server.admin_token()) as c:
        (o,) = c.get("/api/v1/compliance/orders").json()
        r = c.post(f"/api/v1/compliance/orders/{o['id']}/answers", json={"text": "已补装"})
        assert r.status_code == 201 and r.json()["state"] == "answered"


def test_device_record_product_data_and_work_orders(console: Console, server: Server) -> None:
    """The installer's view of a device: its product data (incomplete at first, then saved),
    a work order opened by hand, and the history, reached from the device list and from the
    work-order list."""
    page: Any = console.page
    console.login()
    page.keyboard.press("2")
    row = page.locator('#device-rows tr:has(td:text-is("CAM-B1"))')
    row.locator("button", has_text="档案").click()
    dialog = page.locator("#device-record[open]")
    dialog.wait_for()
    assert "设备档案 CAM-B1" in dialog.locator("h3").inner_text()
    assert "产品信息不全" in dialog.inner_text()
    form = dialog.locator("#rec-product")
    form.locator('input[name="manufacturer"]').fill("海康威视")
    form.locator('input[name="model"]').fill("DS-2CD3T47")
    form.locator('input[name="certificate"]').fill("2021011907000001")
    form.locator('input[name="firmware"]').fill("V5.7.3")
    form.locator('input[name="installed"]').fill("2026-03-15")
    form.locator('button[type="submit"]').click()
    page.wait_for_selector("text=CAM-B1 的产品信息已保存")
    page.wait_for_function(
        "!document.querySelector('#device-record').innerText.includes('产品信息不全')"
    )
    new = dialog.locator("#rec-new")
    new.locator('input[name="title"]').fill("画面模糊")
    new.locator("select").select_option("2")
    new.locator('button[type="submit"]').click()
    dialog.locator('#rec-history tr[data-state="open"]', has_text="画面模糊").wait_for()
    assert "人工" in dialog.locator("#rec-history").inner_text()
    dialog.locator("button", has_text="关闭").click()
    with server.client(server.admin_token()) as c:
        rec = c.get("/api/v1/maintenance/devices/CAM-B1").json()
    assert rec["product"]["model"] == "DS-2CD3T47"
    assert rec["product"]["installed_on"] == "2026-03-15"
    assert [w["title"] for w in rec["work_orders"]] == ["画面模糊"]

    # The open work order in the compliance tab leads back to the same record.
    page.keyboard.press("-")
    page.locator("#comp-work-rows button", has_text="CAM-B1").click()
    page.wait_for_selector('#device-record[open] input[name="model"][value="DS-2CD3T47"]')
    assert not console.errors, console.errors
