"""The car-park tab in Chromium against the real ``anfang serve``: occupancy, reads with
their captures and decisions, a black-listed car highlighted, an exit no entry matches
offered for confirmation, the manual barrier open dialog."""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import pytest
from playwright.sync_api import expect

from anfang.ingest.http_push import sign
from anfang.subsystems.parking.sim import demo_plates
from tests.web.conftest import Server
from tests.web.test_console import Console

pytestmark = pytest.mark.browser
SECRET = "lpr-secret-0123456789abcdef"


@pytest.fixture
def console(browser: Any, server: Server) -> Iterator[Console]:
    """A browser tab on the console, in Chinese."""
    context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="zh-CN")
    try:
        yield Console(context.new_page(), server)
    finally:
        context.close()


def _read(server: Server, lane: str, plate: str, ident: str, crop: bytes | None = None) -> Any:
    obj: dict[str, Any] = {
        "id": ident,
        "plate": plate,
        "occurred_at": datetime.now(UTC).isoformat(),
    }
    if crop:
        obj["image"] = base64.b64encode(crop).decode()
    body = orjson.dumps(obj)
    ts = str(int(time.time()))
    headers = {
        "X-Anfang-Device": lane,
        "X-Anfang-Timestamp": ts,
        "X-Anfang-Signature": sign(SECRET, ts, body),
        "Content-Type": "application/json",
    }
    with httpx.Client(base_url=server.base_url, timeout=30) as c:
        r = c.post("/api/v1/parking/reads", content=body, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_parking_tab_live(console: Console) -> None:
    page, server = console.page, console.server
    crops = demo_plates()
    resident, black = sorted(crops)[:2]
    with server.client(server.admin_token()) as c:
        for code in ("LPR-IN", "LPR-OUT"):
            r = c.post(
                "/api/v1/devices",
                json={
                    "code": code,
                    "name": code,
                    "type": "lpr_camera",
                    "subsystem": "parking",
                    "secret": SECRET,
                },
            )
            assert r.status_code == 201, r.text
        lot = c.post(
            "/api/v1/parking/lots", json={"code": "P1", "name": "地下停车库", "capacity": 5}
        ).json()
        for code, direction in (("LPR-IN", "in"), ("LPR-OUT", "out")):
            c.post(
                "/api/v1/parking/lanes",
                json={
                    "device_code": code,
                    "lot_id": lot["id"],
                    "direction": direction,
                    "barrier": "B-1",
                },
            )
        c.post("/api/v1/parking/vehicles", json={"plate": resident, "owner": "王芳"})
        c.post("/api/v1/parking/vehicles", json={"plate": black, "list": "black", "reason": "被盗"})
    assert _read(server, "LPR-IN", resident, "r1", crops[resident])["open"] is True
    assert _read(server, "LPR-IN", black, "r2", crops[black])["open"] is False
    misread = resident[:-1] + ("1" if resident[-1] != "1" else "2")
    _read(server, "LPR-OUT", misread, "r3")
    console.login()
    page.keyboard.press("8")
    page.wait_for_selector("#panel-parking:not([hidden]) #parking-rows")
    expect(page.locator('.parking-lot[data-lot="P1"]')).to_contain_text("场内 1 / 5")
    rows = page.locator("#parking-rows tr[data-plate]")
    expect(rows).to_have_count(3)
    hit = page.locator(f'#parking-rows tr[data-plate="{black}"]')
    expect(hit).to_have_class(re.compile("watch"))
    assert "黑名单" in hit.inner_text() and "未放行" in hit.inner_text()
    page.wait_for_function(  # the capture really loaded (fetched with the token)
        f"() => document.querySelector('#parking-rows tr[data-plate=\"{resident}\"] img')"
        "?.naturalWidth > 0"
    )
    confirm = page.locator("#parking-unmatched button")
    expect(confirm).to_have_text(f"确认为 {resident}")
    confirm.click()
    expect(page.locator('.parking-lot[data-lot="P1"]')).to_contain_text("场内 0 / 5")
    page.locator("#parking-lanes button").first.click()
    expect(page.locator("#parking-open-dialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#parking-chart svg")).to_have_count(1)
