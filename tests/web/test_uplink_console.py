"""The police uplink in the console (Chromium, real ``anfang serve``): an upper platform that
registers shows as registered with its clock offset; one that refuses shows why; the
national IDs of the shared devices are listed and an administrator sets one by hand."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from anfang.uplink.sim_upper import SimUpper
from tests.web.conftest import Server
from tests.web.test_center_console import _shot
from tests.web.test_console import Console

pytestmark = pytest.mark.browser
UPPER_ID = "34020000002000000001"
LOCAL_ID = "34020000002000000099"


@pytest.fixture
def console(browser: Any, server: Server) -> Iterator[Console]:
    """A browser tab on the console at 1366×768, in Chinese."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    try:
        yield Console(context.new_page(), server)
    finally:
        context.close()


@pytest.fixture
def upper() -> Iterator[SimUpper]:
    """A simulated GB/T 28181 upper platform on its own event loop thread."""
    loop = asyncio.new_event_loop()
    sim = SimUpper(UPPER_ID, "console-upper-pw")
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(sim.start(), loop).result(5)
    try:
        yield sim
    finally:
        asyncio.run_coroutine_threadsafe(sim.stop(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)


def _configure(server: Server, name: str, port: int, password: str) -> None:
    body = {
        "name": name,
        "protocol": "gb28181",
        "server_id": UPPER_ID,
        "host": "127.0.0.1",
        "port": port,
        "local_id": LOCAL_ID,
        "password": password,
    }
    with server.client(server.admin_token()) as c:
        r = c.post("/api/v1/uplink/platforms", json=body)
        assert r.status_code == 201, r.text


def test_uplink_states_and_national_ids(
    console: Console, server: Server, upper: SimUpper, tmp_path: Path
) -> None:
    port = upper.endpoint.local[1]
    _configure(server, "市公安局视频专网", port, "console-upper-pw")
    _configure(server, "错误口令的上级", port, "wrong-password")
    page: Any = console.page
    console.login()
    page.keyboard.press("0")
    page.wait_for_selector(
        '#uplink-rows tr[data-platform="市公安局视频专网"][data-state="registered"]'
    )
    refused = page.wait_for_selector(
        '#uplink-rows tr[data-platform="错误口令的上级"][data-state="refused"]'
    )
    assert "核对编码和密码" in refused.inner_text()
    page.click("#uplink-ids summary")
    row = page.wait_for_selector("#uplink-id-rows tr")
    code = row.get_attribute("data-device")
    field = row.query_selector("input")
    assert field is not None and len(field.input_value()) == 20
    field.fill(
        "11010500001320000077" if field.input_value()[10:13] == "132" else field.input_value()
    )
    row.query_selector("button").click()
    page.wait_for_selector(f'#uplink-id-rows tr[data-device="{code}"]')
    _shot(page, tmp_path, "uplink")
    assert not console.errors
