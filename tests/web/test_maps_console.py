"""Layered maps in Chromium against the real ``anfang serve``: a floor plan uploaded, a
device dragged onto it, a broken file refused with its reason, an alarm's detail jumping
to its place where the device blinks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from tests.web.conftest import Server
from tests.web.test_console import Console, submit

pytestmark = pytest.mark.browser


@pytest.fixture
def console(browser: Any, server: Server) -> Iterator[Console]:
    """A browser tab on the console at 1366×768, in Chinese."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    try:
        yield Console(context.new_page(), server)
    finally:
        context.close()


def test_a_plan_is_uploaded_devices_placed_and_alarms_located(
    console: Console, tmp_path: Path
) -> None:
    page = console.page
    plan = tmp_path / "floor1.png"
    im = Image.new("RGB", (800, 500), "white")
    ImageDraw.Draw(im).rectangle([40, 40, 760, 460], outline="black", width=6)
    im.save(plan)
    broken = tmp_path / "broken.png"
    broken.write_bytes(plan.read_bytes()[:100])
    console.login()
    page.keyboard.press("3")
    page.click("#plan-upload")
    page.fill("#plan-name", "坏文件")
    page.set_input_files("#plan-file", str(broken))
    page.click('#plan-upload-form button[type="submit"]')
    page.wait_for_selector('#plan-error:has-text("文件已损坏")')
    page.fill("#plan-name", "1号楼 1层")
    page.set_input_files("#plan-file", str(plan))
    page.click('#plan-upload-form button[type="submit"]')
    page.wait_for_selector('.plan-bar button.active:has-text("1号楼 1层")')
    page.wait_for_function("() => document.querySelector('img.plan-img')?.naturalWidth === 800")

    page.click("#plan-edit")
    item = page.locator('#plan-palette li[data-device="PIR-Z1"]')
    item.drag_to(page.locator("#plan-view"), target_position={"x": 200, "y": 120})
    marker = page.locator('.plan-dev[data-device="PIR-Z1"]')
    marker.wait_for()
    page.click("#plan-edit")  # done placing

    submit(console.server, "perimeter.intrusion", "PIR-Z1")
    page.locator("#alarm-list li.alarm", has_text="PIR-Z1").click()
    page.wait_for_selector('#detail-title:has-text("PIR-Z1")')
    page.keyboard.press("g")
    expect(page.locator("#panel-map")).to_be_visible()
    expect(page.locator('.plan-dev.alarm.focus[data-device="PIR-Z1"]')).to_be_visible()
    page.screenshot(path=str(tmp_path / "plan.png"))
    assert not console.errors, console.errors
