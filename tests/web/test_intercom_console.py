"""The intercom tab in Chromium against the real ``anfang serve``: a visitor pass issued
through the form (QR shown) and revoked; a simulated SIP door station's call appearing live
with its snapshot and opened by the operator; roles; the language switch."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from anfang.subsystems.intercom.sim_devices import (
    CallResult,
    SimulatedDoorStation,
    SimulatedMonitor,
    demo_snapshot,
)
from tests.web.conftest import Server
from tests.web.test_console import Console

pytestmark = pytest.mark.browser
DOOR, MONITOR = "DS-B1-1", "IM-B1-301"


@pytest.fixture
def console(browser: Any, server: Server) -> Iterator[Console]:
    """A browser tab on the console (as in test_console), in Chinese first."""
    context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="zh-CN")
    try:
        yield Console(context.new_page(), server)
    finally:
        context.close()


@pytest.fixture(scope="module")
def site(server: Server) -> dict[str, Any]:
    """Unit 1 of 1号楼 with room 301, its door station and 301's indoor monitor."""
    with server.client(server.admin_token()) as c:
        b1 = next(b for b in c.get("/api/v1/buildings").json() if b["code"] == "B1")
        unit = c.post("/api/v1/units", json={"building_id": b1["id"], "code": "1", "name": "1单元"})
        assert unit.status_code == 201, unit.text
        room = {"unit_id": unit.json()["id"], "floor": 3, "room": "301"}
        hh = c.post("/api/v1/households", json=room)
        assert hh.status_code == 201, hh.text
        common = {"subsystem": "intercom", "protocol": "sip", "unit_id": unit.json()["id"]}
        for code, name, kind, meta in (
            (DOOR, "1号楼1单元门口机", "door_station", {}),
            (MONITOR, "301室内机", "indoor_monitor", {"household_id": hh.json()["id"]}),
        ):
            body = {"code": code, "name": name, "type": kind, "meta": meta, **common}
            r = c.post("/api/v1/devices", json=body)
            assert r.status_code == 201, r.text
        status = c.get("/api/v1/intercom/status").json()
    # The server was started with ANFANG_INTERCOM_SIP_PORT=0: the API says which port it got.
    assert status["listening"] and status["sip_port"], status
    return {"household": hh.json()["id"], "sip": (status["sip_host"], status["sip_port"])}


async def _visit(server: tuple[str, int]) -> tuple[CallResult, int]:
    """A visitor rings 301; the monitor answers and holds; the station hangs up once opened."""
    monitor = SimulatedMonitor(MONITOR, server, lambda: "hold", ring_s=0.05)
    door = SimulatedDoorStation(DOOR, server)
    jpeg = await asyncio.to_thread(demo_snapshot, 3)
    await monitor.start()
    await door.start()
    try:
        assert door.registered and monitor.registered
        result = await door.call("301", jpeg, talk_s=20, hang_up_on_open=True)
        return result, door.opened
    finally:
        await door.stop()
        await monitor.stop()


def test_issue_and_revoke_a_visitor_pass(
    console: Console, site: dict[str, Any], tmp_path: Path
) -> None:
    page, server = console.page, console.server
    console.login()
    page.keyboard.press("6")
    page.wait_for_selector("#panel-intercom:not([hidden]) #ic-passes")
    expect(page.locator("#ic-pass-rows")).to_contain_text("暂无通行证")

    page.click("#ic-pass-new")
    page.wait_for_selector("#ic-issue-dialog[open]")
    page.fill("#ic-issue-hh-search", "1号楼 301")  # typed, not scrolled
    assert "1号楼1单元 301" in page.inner_text("#ic-issue-household")
    page.select_option("#ic-issue-household", str(site["household"]))
    page.check('#ic-issue-doors input[value="RD-B2"]')  # check boxes, no Ctrl-click
    page.fill("#ic-issue-phone", "13800138000")
    page.fill("#ic-issue-uses", "2")
    page.focus("#ic-issue-name")
    page.keyboard.press("Enter")  # no name yet: the form refuses
    assert page.locator("#ic-issue-dialog[open]").count() == 1
    page.keyboard.type("李四")
    page.keyboard.press("Enter")

    qr = page.locator("#ic-qr-dialog[open] #ic-pass-qr")
    expect(qr).to_have_attribute("src", re.compile("^data:image/png;base64,"))
    page.wait_for_function("() => document.querySelector('#ic-pass-qr').naturalWidth > 100")
    expect(page.locator("#ic-qr-text")).to_have_text(re.compile("^AF1:"))
    page.screenshot(path=str(tmp_path / "console-pass-qr.png"))
    page.keyboard.press("Escape")

    with server.client(server.admin_token()) as c:
        (issued,) = c.get("/api/v1/visitor-passes").json()
    assert issued["household_id"] == site["household"] and issued["doors"] == ["RD-B2"]
    assert (issued["visitor_name"], issued["uses_allowed"], issued["issuer"]) == (
        "李四",
        2,
        "user:admin",
    )
    row = page.locator(f'#ic-pass-rows tr[data-pass="{issued["id"]}"]')
    expect(row).to_have_attribute("data-status", "active")
    expect(row).to_contain_text("2 / 2")
    expect(row).to_contain_text("1号楼1单元 301")

    row.locator("button.ic-revoke").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#ic-revoke-dialog[open]")
    page.keyboard.press("Enter")  # a reason is required
    assert page.locator("#ic-revoke-dialog[open]").count() == 1
    page.keyboard.type("访客取消来访")
    page.keyboard.press("Enter")
    expect(row).to_have_attribute("data-status", "revoked")
    expect(row.locator("button.ic-revoke")).to_have_count(0)
    with server.client(server.admin_token()) as c:
        assert c.get(f"/api/v1/visitor-passes/{issued['id']}").json()["status"] == "revoked"
    assert not console.errors, console.errors


def test_live_call_with_snapshot_and_remote_unlock(
    console: Console, site: dict[str, Any], tmp_path: Path
) -> None:
    page = console.page
    console.login()
    page.keyboard.press("6")
    page.wait_for_selector("#panel-intercom:not([hidden]) #ic-calls")
    expect(page.locator("#ic-call-rows")).to_contain_text("暂无呼叫")
    expect(page.locator("#ic-sip")).to_contain_text(f":{site['sip'][1]}")

    with ThreadPoolExecutor(1) as pool:  # the simulated devices run their own event loop
        visit: Future[tuple[CallResult, int]] = pool.submit(asyncio.run, _visit(site["sip"]))
        row = page.locator('#ic-call-rows tr[data-state="answered"]')
        expect(row).to_have_count(1)
        expect(row).to_contain_text("1号楼1单元门口机")
        expect(row).to_contain_text("1号楼1单元 301")
        expect(row.locator("img.ic-thumb")).to_have_attribute(
            "src", re.compile("^data:image/jpeg;base64,")
        )
        page.wait_for_function(
            "() => document.querySelector('#ic-call-rows img.ic-thumb').naturalWidth > 0"
        )
        page.screenshot(path=str(tmp_path / "console-intercom-call.png"))

        row.locator("button.ic-unlock").focus()
        page.keyboard.press("Enter")
        page.wait_for_selector("#ic-unlock-dialog[open]")
        page.keyboard.type("住户电话请求开门")
        page.keyboard.press("Enter")
        result, opened = visit.result(timeout=20)
    assert result.status == 200 and result.opened and opened == 1

    done = page.locator('#ic-call-rows tr[data-state="ended"]')
    expect(done).to_have_count(1)
    expect(done).to_contain_text("已开门")
    expect(done).to_contain_text("user:admin")
    expect(done.locator("button.ic-unlock")).to_have_count(0)

    page.click("#lang")
    expect(page.locator("#ic-calls th").first).to_have_text("Time")
    expect(done.locator(".badge")).to_have_text("Ended")
    expect(page.locator("#ic-pass-new")).to_have_text("Issue for a resident")
    assert not console.errors, console.errors


def test_roles_hide_what_the_user_may_not_do(console: Console, site: dict[str, Any]) -> None:
    page, server = console.page, console.server
    with server.client(server.admin_token()) as c:
        user = {"username": "audit1", "password": "auditor-pass-1", "role": "auditor"}
        r = c.post("/api/v1/users", json=user)
        assert r.status_code == 201, r.text
    page.goto(server.base_url + "/")
    page.fill("#login-username", "audit1")
    page.fill("#login-password", "auditor-pass-1")
    page.click("#login-submit")
    # A password the administrator chose: the console asks for one's own first.
    page.wait_for_selector("#password-view:not([hidden])")
    page.fill("#password-current", "auditor-pass-1")
    page.fill("#password-new", "auditor-own-pw-2")
    page.fill("#password-again", "auditor-own-pw-2")
    page.click("#password-submit")
    page.wait_for_selector("#app:not([hidden])")
    expect(page.locator("#tab-users")).to_be_hidden()  # administrators only
    page.keyboard.press("6")
    page.wait_for_selector("#panel-intercom:not([hidden])")
    expect(page.locator("#ic-calls-denied")).to_be_visible()
    expect(page.locator("#ic-passes-denied")).to_be_visible()
    expect(page.locator("#ic-pass-new")).to_be_hidden()
    expect(page.locator("#ic-calls")).to_be_hidden()
    assert not console.errors, console.errors
