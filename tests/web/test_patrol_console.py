"""The guard-tour tab in Chromium against the real ``anfang serve``: a round under way with
its points as dots, a check-in that did not count and why, the compliance charts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.web.conftest import Server, signed_push
from tests.web.test_console import Console

pytestmark = pytest.mark.browser
SECRET = "pr-1-secret-0123456789abcdef"
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def console(browser: Any, server: Server) -> Iterator[Console]:
    """A browser tab on the console, in Chinese."""
    context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="zh-CN")
    try:
        yield Console(context.new_page(), server)
    finally:
        context.close()


def _swipe(server: Server, tag: str, at: datetime, ident: str) -> None:
    ev = {
        "id": ident,
        "kind": "patrol.checkpoint",
        "occurred_at": at.isoformat(),
        "payload": {"tag": tag, "guard": "G01"},
    }
    signed_push(server, "PR-1", SECRET, [ev])


def test_patrol_tab_live(console: Console) -> None:
    page, server = console.page, console.server
    now = datetime.now(UTC)
    start = now - timedelta(minutes=2)
    if start.astimezone(TZ).date() != now.astimezone(TZ).date():
        pytest.skip("the round would belong to yesterday (run just after midnight)")
    with server.client(server.admin_token()) as c:
        r = c.post(
            "/api/v1/devices",
            json={
                "code": "PR-1",
                "name": "巡更棒",
                "type": "patrol_reader",
                "subsystem": "patrol",
                "secret": SECRET,
            },
        )
        assert r.status_code == 201, r.text
        ids = []
        for i in (1, 2, 3):
            r = c.post(
                "/api/v1/patrol/checkpoints",
                json={"code": f"CP-{i}", "name": f"巡更点{i}", "tag": f"AB00000{i}"},
            )
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
        c.post("/api/v1/patrol/guards", json={"code": "G01", "name": "张伟"})
        points = [
            {"checkpoint_id": cp, "after_min": 0 if k == 0 else 10} for k, cp in enumerate(ids)
        ]
        route = c.post(
            "/api/v1/patrol/routes", json={"code": "R1", "name": "东线", "points": points}
        ).json()
        r = c.post(
            "/api/v1/patrol/schedules",
            json={
                "route_id": route["id"],
                "name": "白班",
                "start_window_min": 15,
                "times": [start.astimezone(TZ).strftime("%H:%M")],
            },
        )
        assert r.status_code == 201, r.text
    _swipe(server, "AB000001", now - timedelta(seconds=30), "s1")
    _swipe(server, "DEADBEEF", now - timedelta(seconds=20), "s2")  # a tag no checkpoint has
    console.login()
    page.keyboard.press("7")
    page.wait_for_selector("#panel-patrol:not([hidden]) #patrol-table")
    row = page.locator("#patrol-rows tr[data-status]")
    expect(row).to_have_count(1, timeout=30_000)
    expect(row).to_have_attribute("data-status", "on_time", timeout=30_000)
    assert "东线" in row.inner_text() and "准时" in row.inner_text()
    expect(row.locator(".pdot.pt-on_time")).to_have_count(1)
    expect(row.locator(".pdot.pt-pending")).to_have_count(2)
    rejected = page.locator("#patrol-rejected tr")
    expect(rejected).to_contain_text("未登记标签")
    expect(page.locator("#patrol-chart-guard svg")).to_have_count(1)
    expect(page.locator("#patrol-totals")).to_contain_text("当日 1 轮")
    expect(page.locator("#physical-summary")).to_contain_text("设施 0 项")

    # Physical protection below: an item short of the rules, a repair closed with evidence.
    with server.client(server.admin_token()) as c:
        item = c.post(
            "/api/v1/physical/items",
            json={"code": "F-1", "name": "北围栏", "kind": "fence", "height_m": 1.5},
        ).json()
        due = (datetime.now(UTC) + timedelta(days=3)).isoformat()
        r = c.post(
            "/api/v1/physical/repairs",
            json={"item_id": item["id"], "deadline": due, "description": "网片破洞"},
        )
        assert r.status_code == 201, r.text
    expect(page.locator('#physical-short li[data-item="F-1"]')).to_contain_text(
        "1.5 m high", timeout=15_000
    )
    page.locator("#physical-repairs li[data-repair] button").click()
    page.wait_for_selector("#physical-close-dialog[open]")
    page.keyboard.press("Enter")  # no evidence: refused by the form
    assert page.locator("#physical-close-dialog[open]").count() == 1
    page.keyboard.type("已更换网片")
    page.keyboard.press("Enter")
    expect(page.locator("#physical-repairs")).to_contain_text("没有待修项目")
