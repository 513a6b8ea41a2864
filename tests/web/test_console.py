"""The console in Debian's Chromium against the real ``anfang serve``: live alarms, keys, i18n."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import ADMIN_PASSWORD
from tests.web.conftest import Server

pytestmark = pytest.mark.browser
WAIT_MS = 15_000
expect.set_options(timeout=WAIT_MS)


class Console:
    """One browser tab on the console, recording every URL it asks for."""

    def __init__(self, page: Any, server: Server) -> None:
        self.page = page
        self.server = server
        self.urls: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda req: self.urls.append(req.url))
        page.on("websocket", lambda ws: self.urls.append(ws.url))
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.set_default_timeout(WAIT_MS)

    def login(self) -> None:
        self.page.goto(self.server.base_url + "/")
        self.page.fill("#login-username", "admin")
        self.page.fill("#login-password", ADMIN_PASSWORD)
        self.page.click("#login-submit")
        self.page.wait_for_selector("#app:not([hidden])")
        self.page.wait_for_selector('#ws-state[data-state="online"]')

    def token(self) -> str:
        token: str = self.page.evaluate(
            "JSON.parse(sessionStorage.getItem('anfang.session')).access_token"
        )
        return token

    def handle(self, key: str, note: str) -> None:
        """Press an action key, type the note, confirm with Enter."""
        self.page.keyboard.press(key)
        self.page.wait_for_selector("#action-dialog[open]")
        self.page.keyboard.type(note)
        self.page.keyboard.press("Enter")
        self.page.wait_for_selector("#action-dialog:not([open])", state="attached")


@pytest.fixture
def console(browser: Any, server: Server) -> Iterator[Console]:
    context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="zh-CN")
    page = context.new_page()
    c = Console(page, server)
    try:
        yield c
        # A closed LAN: everything the page loaded or connected to is the anfang server.
        host = server.base_url.removeprefix("http://")
        off_host = [u for u in c.urls if not u.startswith((f"http://{host}/", f"ws://{host}/"))]
        assert c.urls and not off_host, off_host
        assert not c.errors, c.errors
    finally:
        context.close()


def submit(server: Server, kind: str, source: str) -> None:
    with server.client(server.admin_token()) as api:
        r = api.post("/api/v1/events", json={"kind": kind, "source": source, "payload": {"n": 1}})
        assert r.status_code == 201, r.text


def alarm_of(server: Server, source: str) -> dict[str, Any]:
    with server.client(server.admin_token()) as api:
        r = api.get("/api/v1/alarms", params={"source": source})
        r.raise_for_status()
        items: list[dict[str, Any]] = r.json()["items"]
        assert len(items) == 1, items
        with server.client(server.admin_token()) as api2:
            full = api2.get(f"/api/v1/alarms/{items[0]['id']}")
            full.raise_for_status()
            detail: dict[str, Any] = full.json()
            return detail


def test_live_alarm_is_handled_with_the_keyboard(console: Console, tmp_path: Path) -> None:
    page = console.page
    console.login()
    page.evaluate("window.__sameDocument = true")
    tones_before = int(page.evaluate("document.documentElement.dataset.tones || '0'"))

    submit(console.server, "perimeter.intrusion", "PIR-WEST-07")
    item = page.locator('#alarm-list li.alarm[data-state="new"]', has_text="PIR-WEST-07")
    item.wait_for()
    item.click()
    page.wait_for_selector("#detail-title")
    assert "周界入侵" in page.inner_text("#detail")
    page.wait_for_function(
        "n => Number(document.documentElement.dataset.tones) > n", arg=tones_before
    )
    page.screenshot(path=str(tmp_path / "console-new-alarm.png"))

    # Esc cancels: nothing changes on the server.
    page.keyboard.press("d")
    page.wait_for_selector("#action-dialog[open]")
    page.keyboard.press("Escape")
    page.wait_for_selector("#action-dialog:not([open])", state="attached")
    assert alarm_of(console.server, "PIR-WEST-07")["state"] == "new"

    console.handle("a", "已看到画面，派人核实")
    page.wait_for_selector('#detail-state:text("已确认")')
    alarm = alarm_of(console.server, "PIR-WEST-07")
    assert alarm["state"] == "acknowledged"
    assert alarm["transitions"][-1]["note"] == "已看到画面，派人核实"
    assert alarm["transitions"][-1]["actor"] == "user:admin"

    # D asks whom to send; the record says it in words.
    page.keyboard.press("d")
    page.wait_for_selector("#action-dialog[open] #action-to")
    page.fill("#action-to", "保安 张伟")
    page.focus("#action-note")
    page.keyboard.press("Enter")
    page.wait_for_selector('#detail-state:text("已派警")')
    page.wait_for_selector('.transitions li:has-text("派往 保安 张伟")')

    console.handle("r", "野猫触发，已复位")
    item.wait_for(state="detached")
    alarm = alarm_of(console.server, "PIR-WEST-07")
    assert alarm["state"] == "resolved" and alarm["disposition"] == "real"
    assert alarm["transitions"][-1]["note"] == "野猫触发，已复位"

    # F on a new alarm: the cause is chosen from the list (the dialog says so and keeps the
    # typed note), and the alarm is acknowledged on the way, recorded as its own step.
    submit(console.server, "perimeter.intrusion", "PIR-EAST-02")
    second = page.locator("#alarm-list li.alarm", has_text="PIR-EAST-02")
    second.click()
    page.wait_for_selector('#detail-title:has-text("PIR-EAST-02")')
    page.keyboard.press("f")
    page.wait_for_selector("#action-dialog[open]")
    page.keyboard.type("树枝晃动")
    page.keyboard.press("Enter")
    page.wait_for_selector('#action-error:text("请选择误报原因")')
    page.select_option("#action-cause", "vegetation")
    page.focus("#action-note")
    page.keyboard.press("Enter")
    second.wait_for(state="detached")
    alarm = alarm_of(console.server, "PIR-EAST-02")
    assert alarm["state"] == "false_alarm" and alarm["cause"] == "vegetation"
    assert [t["code"] for t in alarm["transitions"]] == ["raised", "implied_ack", "false_alarm"]
    assert alarm["transitions"][-1]["note"] == "树枝晃动"
    assert page.evaluate("window.__sameDocument") is True

    rows = page.locator("#event-rows tr", has_text="PIR-EAST-02")
    rows.first.wait_for()


def test_help_and_language_switch(console: Console, tmp_path: Path) -> None:
    page = console.page
    console.login()
    assert page.inner_text("#queue-title") == "告警队列"
    page.keyboard.press("?")
    page.wait_for_selector("#help-dialog[open]")
    assert "确认告警" in page.inner_text("#help-dialog")
    page.keyboard.press("Escape")
    page.wait_for_selector("#help-dialog:not([open])", state="attached")

    page.click("#lang")
    expect(page.locator("#queue-title")).to_have_text("Alarm queue")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.inner_text("#tab-events").endswith("Event log")
    assert page.evaluate("localStorage.getItem('anfang.lang')") == "en"
    page.screenshot(path=str(tmp_path / "console-en.png"))

    # Remembered across a reload (the token survives in sessionStorage, too).
    page.reload()
    page.wait_for_selector("#app:not([hidden])")
    assert page.inner_text("#queue-title") == "Alarm queue"
    page.keyboard.press("l")
    expect(page.locator("#queue-title")).to_have_text("告警队列")
    assert page.evaluate("localStorage.getItem('anfang.lang')") == "zh-CN"


def test_expired_token_returns_to_login(console: Console) -> None:
    page = console.page
    console.login()
    with console.server.client(console.token()) as api:
        assert api.post("/api/v1/auth/logout").status_code == 204
    # The next request with the revoked token is refused: back to the login form.
    page.fill("#ev-source", "nobody")
    page.press("#ev-source", "Enter")
    page.wait_for_selector("#login-view:not([hidden])")
    assert page.inner_text("#login-message") == "登录已过期，请重新登录"
    assert page.evaluate("sessionStorage.getItem('anfang.session')") is None


def test_bad_password_is_refused(console: Console) -> None:
    page = console.page
    page.goto(console.server.base_url + "/")
    page.fill("#login-username", "admin")
    page.fill("#login-password", "wrong-password")
    page.click("#login-submit")
    page.wait_for_selector('#login-message:text("用户名或密码错误")')
    assert page.is_hidden("#app")


def test_device_list_and_site_map_follow_device_states(console: Console, tmp_path: Path) -> None:
    page = console.page
    console.login()
    page.keyboard.press("2")
    rows = page.locator("#device-rows tr[data-id]")
    rows.nth(4).wait_for()
    assert rows.count() == 5
    assert "北墙西红外对射" in page.inner_text("#device-table")
    assert page.inner_text('#device-rows tr:has-text("PIR-Z1") .dstate') == "未知"

    # A tamper from the detector: the list turns it red live, and its alarm blinks on the map.
    submit(console.server, "device.tamper", "PIR-Z1")
    page.wait_for_selector('#device-rows tr[data-state="tamper"]:has-text("PIR-Z1")')
    page.select_option("#dev-state", "tamper")
    expect(rows).to_have_count(1)
    page.select_option("#dev-state", "")

    page.keyboard.press("3")
    page.wait_for_selector("#map-svg")
    assert page.locator("#map-svg circle.device").count() == 4
    assert page.locator("#map-svg polyline.zone").count() == 2
    assert "1号楼" in (page.text_content("#map-svg") or "")
    assert "1 台设备未标注位置" in page.inner_text("#map-note")
    page.wait_for_selector("#map-svg circle.device.alarm.ds-tamper")
    page.wait_for_selector("#map-svg polyline.zone.alarm", state="attached")
    page.screenshot(path=str(tmp_path / "console-map.png"))

    page.click('#map-svg circle.device[data-state="unknown"] >> nth=0', force=True)
    page.wait_for_selector("#map-device")
    assert "未知" in page.inner_text("#map-info")
    page.click("#map-svg circle.device.alarm", force=True)
    page.wait_for_selector('#map-info:has-text("PIR-Z1")')
    assert "防拆" in page.inner_text("#map-info")


def test_admin_manages_users_in_the_console(console: Console, tmp_path: Path) -> None:
    page = console.page
    console.login()
    page.keyboard.press("9")
    page.wait_for_selector("#panel-users:not([hidden])")
    expect(page.locator('#user-table tr[data-user="admin"]')).to_be_visible()
    page.fill('.user-create input[name="username"]', "wang")
    page.fill('.user-create input[name="display_name"]', "王值班")
    page.select_option('.user-create select[name="role"]', "operator")
    page.fill('.user-create input[name="password"]', "wang-temp-pass-1")
    page.click(".user-create button[type=submit]")
    row = page.locator('#user-table tr[data-user="wang"]')
    expect(row).to_contain_text("待修改密码")
    page.screenshot(path=str(tmp_path / "console-users.png"))
    row.locator("button", has_text="停用").click()
    expect(page.locator('#user-table tr[data-user="wang"]')).to_contain_text("已停用")
    with console.server.client(console.server.admin_token()) as api:
        users = {u["username"]: u for u in api.get("/api/v1/users").json()}
    assert users["wang"]["disabled"] is True and users["wang"]["role"] == "operator"


def test_admin_manages_service_accounts_in_the_console(console: Console, tmp_path: Path) -> None:
    page = console.page
    console.login()
    page.keyboard.press("9")
    page.wait_for_selector("#service-accounts h3")
    page.fill('.account-create input[name="name"]', "vms-sync")
    page.select_option('.account-create select[name="role"]', "auditor")
    page.click(".account-create button[type=submit]")
    key = page.locator(".sa-issued code.sa-key")
    expect(key).to_contain_text("ak_")
    issued = key.inner_text()
    row = page.locator('#account-table tr[data-account="vms-sync"]')
    expect(row).to_contain_text("有效")
    assert issued not in page.inner_text("#account-table")  # only the prefix is listed
    page.screenshot(path=str(tmp_path / "console-service-accounts.png"))
    with console.server.client(issued) as api:
        assert api.get("/api/v1/audit").status_code == 200  # an auditor's key
    page.once("dialog", lambda d: d.accept())
    row.locator("button", has_text="吊销").click()
    expect(page.locator('#account-table tr[data-account="vms-sync"]')).to_contain_text("已吊销")
    with console.server.client(issued) as api:
        assert api.get("/api/v1/audit").status_code == 401


def test_times_follow_the_site_zone_not_the_workstations(browser: Any, server: Server) -> None:
    """A workstation set to New York still shows, picks and sends Beijing time (the site's)."""
    context = browser.new_context(locale="zh-CN", timezone_id="America/New_York")
    try:
        c = Console(context.new_page(), server)
        c.login()
        got = c.page.evaluate(
            """async () => {
              const k = await import("/static/js/clock.js");
              const shown = k.formatTime("2026-12-06T16:30:05Z");
              const back = k.fromInput("2026-12-07T00:30").toISOString();
              const day = k.siteDay(new Date("2026-12-06T16:30:05Z"));
              const input = k.toInput(new Date("2026-12-06T16:30:05Z"), true);
              const bad = Number.isNaN(k.fromInput("07/12/2026").getTime());
              const year = k.nextDay("2026-12-31");
              k.setZone("America/New_York");  // a zone with daylight saving
              const spring = k.fromInput("2026-03-08T12:00").toISOString();
              const winter = k.fromInput("2026-01-15T12:00").toISOString();
              k.setZone("Asia/Shanghai");
              return { shown, back, day, input, bad, year, spring, winter };
            }"""
        )
        assert got == {
            "shown": "2026-12-07 00:30:05",
            "back": "2026-12-06T16:30:00.000Z",
            "day": "2026-12-07",
            "input": "2026-12-07T00:30:05",
            "bad": True,
            "year": "2027-01-01",
            "spring": "2026-03-08T16:00:00.000Z",
            "winter": "2026-01-15T17:00:00.000Z",
        }
        assert not c.errors, c.errors
    finally:
        context.close()
