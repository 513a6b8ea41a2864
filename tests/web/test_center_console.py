"""An operator's day in Chromium against the real ``anfang serve``: go on duty, receive an
alarm from a device over the signed HTTP push protocol, see where it is, dispatch, close it
as a false alarm with its cause, find it in the history, read the day's report and open its
XLSX, hand the shift over to a second operator who signs for it.

Set ``SCREENSHOTS_DIR`` to a folder to keep the screenshots (docs/screenshots was made so).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.web.conftest import Server, signed_push
from tests.web.test_console import Console, alarm_of

pytestmark = pytest.mark.browser
SECRET = "pir-z9-secret-0123456789abcdef"
OP_PASSWORD = "second-operator-pw-1"


@pytest.fixture
def console(browser: Any, server: Server) -> Iterator[Console]:
    """A browser tab on the console at 1366×768, in Chinese."""
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, locale="zh-CN", accept_downloads=True
    )
    try:
        yield Console(context.new_page(), server)
    finally:
        context.close()


def _shot(page: Any, tmp_path: Path, name: str) -> None:
    folder = Path(os.environ.get("SCREENSHOTS_DIR", str(tmp_path)))
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"))


def _push(server: Server, kind: str, ident: str) -> None:
    at = datetime.now(UTC).isoformat()
    ev = {"id": ident, "kind": kind, "occurred_at": at, "payload": {"level": 3}}
    signed_push(server, "PIR-Z9", SECRET, [ev])


def _setup(server: Server) -> None:
    with server.client(server.admin_token()) as c:
        zone = next(z for z in c.get("/api/v1/zones").json() if z["code"] == "Z1")
        r = c.post(
            "/api/v1/devices",
            json={
                "code": "PIR-Z9",
                "name": "西墙红外对射",
                "type": "ir_beam",
                "subsystem": "perimeter",
                "zone_id": zone["id"],
                "secret": SECRET,
            },
        )
        assert r.status_code == 201, r.text
        r = c.post(
            "/api/v1/users",
            json={"username": "op2", "password": OP_PASSWORD + "-tmp", "role": "operator"},
        )
        assert r.status_code == 201, r.text
    with httpx.Client(base_url=server.base_url, timeout=30) as c:
        tmp = OP_PASSWORD + "-tmp"
        r = c.post("/api/v1/auth/token", json={"username": "op2", "password": tmp})
        token = r.json()["access_token"]
        r = c.post(
            "/api/v1/me/password",
            json={"current_password": tmp, "new_password": OP_PASSWORD},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert r.status_code == 204, r.text


def test_an_operators_day(console: Console, browser: Any, tmp_path: Path) -> None:
    page, server = console.page, console.server
    _setup(server)
    console.login()
    page.keyboard.press("0")
    page.click("#center-start")
    page.wait_for_selector('.on-duty:has-text("admin")')
    page.fill("#center-log-text", "东门道闸抬杆慢，已通知维保")
    page.check("#center-log-open")
    page.click('#center-log-form button[type="submit"]')
    page.wait_for_selector('#center-log li.open:has-text("东门道闸抬杆慢")')

    # An alarm from the device over its real protocol: the queue, where it is, its sound.
    _push(server, "perimeter.intrusion", "01JDAYTEST0000000000000001")
    item = page.locator("#alarm-list li.alarm", has_text="PIR-Z9")
    item.click()
    page.wait_for_selector('#detail-title:has-text("PIR-Z9")')
    place = page.inner_text(".ctx-place")
    assert "Z1 北围墙西段" in place and "红外对射" in place
    _shot(page, tmp_path, "console-alarm-detail")

    page.keyboard.press("d")
    page.fill("#action-to", "保安 张伟")
    page.focus("#action-note")
    page.keyboard.type("前往西墙查看")
    page.keyboard.press("Enter")
    page.wait_for_selector('.transitions li:has-text("派往 保安 张伟")')
    page.keyboard.press("f")
    page.select_option("#action-cause", "animal")
    page.focus("#action-note")
    page.keyboard.type("野猫翻墙")
    page.keyboard.press("Enter")
    item.wait_for(state="detached")
    alarm = alarm_of(server, "PIR-Z9")
    assert alarm["state"] == "false_alarm" and alarm["cause"] == "animal"
    assert alarm["dispatched_to"] == "保安 张伟"

    # The history finds it; the day's report counts it, drawn, and its XLSX opens.
    page.keyboard.press("0")
    page.select_option("#cf-disp", "false")
    page.click('#center-filter button[type="submit"]')
    row = page.locator("#center-history-rows tr", has_text="PIR-Z9")
    row.wait_for()
    assert "误报" in row.inner_text()
    page.wait_for_selector('#panel-center[data-report-ready="1"]')
    assert page.evaluate("window.Chart !== undefined")
    _shot(page, tmp_path, "console-center")
    with page.expect_download() as got:
        page.click("#cr-xlsx")
    book = load_workbook(io.BytesIO(Path(got.value.path()).read_bytes()))
    assert book["概览"]["B3"].value >= 1

    # A linkage rule written in the console acts: the next intrusion at PIR-Z9 also raises
    # a rule alarm. A rule that would set itself off is refused with the reason.
    page.click("#rule-new")
    page.fill("#rule-name", "西墙入侵加报")
    page.fill("#rule-kinds", "perimeter.intrusion")
    page.fill("#rule-devices", "PIR-Z9")
    page.check("#rule-a-raise_alarm")
    page.click("#rule-dry-run")
    page.wait_for_selector('#rule-dry:has-text("将触发 1 次")')
    page.click('#rule-form button[type="submit"]')
    page.wait_for_selector('#rules-rows tr[data-rule="西墙入侵加报"]')
    page.click("#rule-new")
    page.fill("#rule-name", "自触发")
    page.fill("#rule-kinds", "center.rule_alarm")
    page.check("#rule-a-raise_alarm")
    page.click('#rule-form button[type="submit"]')
    page.wait_for_selector('#rule-error:has-text("循环")')
    page.keyboard.press("Escape")
    _push(server, "perimeter.intrusion", "01JDAYTEST0000000000000002")
    page.locator("#alarm-list li.alarm", has_text="联动规则告警").wait_for()
    _shot(page, tmp_path, "console-rules")

    # Health, the audit log verified, an alarm definition's time to acknowledge changed.
    page.wait_for_selector('#health-subsystems tr[data-subsystem="perimeter"]')
    page.click("#audit-verify")
    page.wait_for_selector('#audit-verdict.ok:has-text("校验通过")')
    page.wait_for_selector("#audit-rows tr")
    ack = page.locator("#defs-rows tr", has_text="周界入侵").locator("input.ack")
    ack.fill("90")
    ack.dispatch_event("change")
    page.wait_for_selector('.toast:has-text("已保存")')

    # The perimeter zone is bypassed for works, with a reason, and back again.
    zone = page.locator('#arming-zones tr[data-zone="Z1"]')
    zone.locator("button.bypass").click()
    page.fill("#arming-bypass-dialog-input", "西墙施工")
    page.click('#arming-bypass-dialog button[type="submit"]')
    expect(zone).to_contain_text("西墙施工")
    zone.locator("button.unbypass").click()
    expect(zone.locator("button.bypass")).to_be_visible()

    # Hand-over: the outgoing operator signs, a second operator signs for it.
    page.click("#center-handover")
    page.fill("#center-note-dialog-input", "西墙野猫频繁，注意")
    page.click('#center-note-dialog button[type="submit"]')
    page.wait_for_selector('.handover:has-text("东门道闸抬杆慢")')
    other = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    try:
        second = Console(other.new_page(), server)
        second.page.goto(server.base_url + "/")
        second.page.fill("#login-username", "op2")
        second.page.fill("#login-password", OP_PASSWORD)
        second.page.click("#login-submit")
        second.page.wait_for_selector("#app:not([hidden])")
        second.page.keyboard.press("0")
        second.page.click("#center-accept")
        second.page.fill("#center-note-dialog-input", "已接班")
        second.page.click('#center-note-dialog button[type="submit"]')
        second.page.wait_for_selector('.on-duty:has-text("op2")')
        assert not second.errors, second.errors
    finally:
        other.close()
    with server.client(server.admin_token()) as c:
        shifts = c.get("/api/v1/center/shifts").json()
    assert [s["state"] for s in shifts[:2]] == ["on_duty", "closed"]
    assert shifts[1]["accepted_by"] == "user:op2" and shifts[0]["operator"] == "user:op2"
    assert not console.errors, console.errors
