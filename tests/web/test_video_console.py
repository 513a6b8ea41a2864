"""The video tab in Debian's Chromium: wall layouts, a live tile, playback, export, alarm pop-up.

The cameras are the simulated RTSP site (GStreamer under Debian's python3), recordings are
short ffmpeg files indexed before the server starts.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from anfang.app.platform import Platform
from anfang.subsystems.video.sim import SimCameraServer, StreamSpec
from anfang.subsystems.video.store import storage_root
from tests.conftest import ADMIN_PASSWORD, make_settings
from tests.subsystems.video.segfiles import add_camera, add_segments, make_segments
from tests.web.conftest import Server, _seed, serve

pytestmark = pytest.mark.browser

WAIT_MS = 20_000
LIVE_WAIT_MS = 90_000
T0 = datetime(2026, 5, 1, 8, 0, 0, tzinfo=UTC)
SITE_TZ = ZoneInfo("Asia/Shanghai")


def _wall(at: datetime) -> str:
    """``at`` as a datetime-local input takes it, on the site's clock."""
    return at.astimezone(SITE_TZ).strftime("%Y-%m-%dT%H:%M:%S")


@pytest.fixture(scope="module")
def rtsp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The simulated RTSP site with one small stream; yields its base URL."""
    spec = StreamSpec("/cam1/sub", width=320, height=240, fps=25, kbps=400, seconds=4)
    server = SimCameraServer([spec], tmp_path_factory.mktemp("rtsp"))
    server.start()
    try:
        yield server.url("").rstrip("/")
    finally:
        server.stop()


async def _seed_video(data_dir: Path, rtsp_base: str) -> None:
    await _seed(data_dir)
    platform = Platform(make_settings(data_dir))
    await platform.start()
    try:
        cam = await add_camera(
            platform, "CAM-V1", main_url=f"{rtsp_base}/cam1/sub", sub_url=f"{rtsp_base}/cam1/sub"
        )
        cam2 = await add_camera(platform, "CAM-V2")

        def creds(ctx: Any) -> None:
            from anfang.subsystems.video.models import Camera

            row = ctx.session.get(Camera, cam)
            row.username = "admin"
            row.password_sealed = platform.secrets.seal(b"admin", "camera:CAM-V1")
            # The recordings are from May: out of the default 30 days, the server's first
            # retention sweep (10 s after start) would delete them under a slow test.
            row.retention_days = 3650
            # CAM-V2 has no stream: left to the recorder, its video.loss alarm arrived at a
            # time set by the module's pace and its pop-up replaced the one under test.
            ctx.session.get(Camera, cam2).record = False

        await platform.writer.run(creds)
        root = storage_root(platform.settings)
        segs = make_segments(root, "CAM-V1", T0, 3) + make_segments(
            root, "CAM-V1", T0 + timedelta(seconds=8), 2
        )
        await add_segments(platform, cam, segs)
    finally:
        await platform.stop()


@pytest.fixture(scope="module")
def vserver(tmp_path_factory: pytest.TempPathFactory, rtsp: str) -> Iterator[Server]:
    """``anfang serve`` with two cameras (one live on the RTSP sim) and 10 s of recordings."""
    data_dir = tmp_path_factory.mktemp("anfang-video")
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _seed_video(data_dir, rtsp)).result()
    with serve(data_dir) as srv:
        yield srv


@pytest.fixture
def page(browser: Any, vserver: Server) -> Iterator[Any]:
    """A logged-in console on the video tab (browser time zone UTC, the site's Beijing time;
    Chinese)."""
    context = browser.new_context(
        viewport={"width": 1600, "height": 1000},
        locale="zh-CN",
        timezone_id="UTC",
        accept_downloads=True,
    )
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda exc: errors.append(str(exc)))
    p.set_default_timeout(WAIT_MS)
    expect.set_options(timeout=WAIT_MS)
    p.goto(vserver.base_url + "/")
    p.fill("#login-username", "admin")
    p.fill("#login-password", ADMIN_PASSWORD)
    p.click("#login-submit")
    p.wait_for_selector('#ws-state[data-state="online"]')
    p.keyboard.press("4")
    p.wait_for_selector("#panel-video:not([hidden])")
    try:
        yield p
        assert not errors, errors
    finally:
        context.close()


def test_wall_layouts_switch_by_key_and_button(page: Any) -> None:
    tiles = page.locator("#video-wall .video-tile")
    expect(tiles).to_have_count(4)
    page.keyboard.press("Shift+Digit1")
    expect(tiles).to_have_count(1)
    page.click('[data-layout-btn="9"]')
    expect(tiles).to_have_count(9)
    page.keyboard.press("w")
    expect(tiles).to_have_count(16)
    expect(page.locator("#video-wall")).to_have_attribute("data-layout", "16")
    expect(page.locator("#video-cameras li[data-camera]")).to_have_count(3)  # + CAM-B1


def test_live_tile_receives_video(page: Any) -> None:
    page.click('#video-wall .video-tile[data-index="1"]')
    page.click('#video-cameras button:text-is("CAM-V1")')
    video = page.locator('.video-tile[data-camera="CAM-V1"] video')
    page.wait_for_function(
        "v => Number(v.dataset.fragments || 0) > 25 && v.buffered.length > 0 && v.currentTime > 0",
        arg=video.element_handle(),
    )
    # The wall has the width (the video tab widens the work area), a tile its snapshot.
    assert page.evaluate("document.body.classList.contains('wide')")
    with page.expect_download() as got:
        page.click('.video-tile[data-camera="CAM-V1"] .tile-snap')
    assert got.value.suggested_filename.startswith("CAM-V1-")
    assert Path(got.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page.click("#video-tour")
    expect(page.locator('.video-tile[data-index="0"]')).not_to_have_attribute("data-camera", "")


def test_playback_of_a_recorded_range_with_seek_speed_and_export(
    page: Any, vserver: Server
) -> None:
    page.select_option("#video-pb-camera", "CAM-V1")
    # The console reads the range on the site's wall clock (Beijing time), whatever the
    # workstation's zone.
    page.fill("#video-pb-start", _wall(T0 + timedelta(seconds=1)))
    page.fill("#video-pb-end", _wall(T0 + timedelta(seconds=11)))
    page.click('#video-pb-form button[type="submit"]')  # no reason: the form asks for one
    expect(page.locator("#video-pb-reason:invalid")).to_have_count(1)
    page.fill("#video-pb-reason", "业主报案：车辆被刮")
    page.click('#video-pb-form button[type="submit"]')
    video = page.locator("#video-pb-video")
    expect(page.locator("#video-pb-info")).to_contain_text("录像缺失 1 段")
    expect(page.locator("#video-timeline .gap")).to_have_count(1)
    page.select_option("#video-pb-speed", "4")
    page.wait_for_function(
        "v => v.currentTime > 2 && v.playbackRate === 4", arg=video.element_handle()
    )
    # Through the hole at 6-8 s into the last recordings.
    page.wait_for_function(
        "v => v.currentTime > 8.5 && Number(v.dataset.segments) >= 4", arg=video.element_handle()
    )
    page.eval_on_selector(
        "#video-seek", "s => { s.value = '100'; s.dispatchEvent(new Event('input')); }"
    )
    page.wait_for_function("v => v.currentTime < 3", arg=video.element_handle())
    page.click("#video-export-open")
    page.click('#video-export-dialog button[type="submit"]')
    expect(page.locator("#video-export-state")).to_contain_text("请填写导出原因")
    page.fill("#video-export-reason", "业主报案")
    page.click('#video-export-dialog button[type="submit"]')
    expect(page.locator("#video-export-state .sha")).to_have_text(re.compile("^[0-9a-f]{64}$"))
    # For publication: masked, and only after a second person approves (not the requester).
    page.keyboard.press("Escape")
    page.click("#video-export-open")
    page.fill("#video-export-reason", "协查通报")
    page.check("#video-export-public")
    page.click('#video-export-dialog button[type="submit"]')
    expect(page.locator("#video-export-state")).to_contain_text("需另一位有导出权限的人员审批")
    page.keyboard.press("Escape")
    waiting = page.locator('#video-exports li[data-state="awaiting_approval"]')
    expect(waiting).to_contain_text("等待他人审批")
    expect(waiting.locator("button")).to_have_count(0)  # not one's own
    expect(page.locator('#video-exports li[data-state="done"]')).to_have_count(1)  # the first
    # A second person approves; the requester's list shows it masked and fetches it.
    eid = waiting.get_attribute("data-export")
    with vserver.client(vserver.new_user("zhang", "supervisor", "password-of-zhang")) as api:
        r = api.post(f"/api/v1/video/exports/{eid}/approval", json={"approve": True})
        assert r.status_code == 202, r.text
    done = page.locator(f'#video-exports li[data-export="{eid}"][data-state="done"]')
    expect(done).to_contain_text("公开发布", timeout=60_000)
    with page.expect_download() as got:
        done.locator("button", has_text="下载").click()
    assert Path(got.value.path()).stat().st_size > 1000


def test_alarm_video_pops_up(page: Any, vserver: Server) -> None:
    with vserver.client(vserver.admin_token()) as api:
        r = api.post(
            "/api/v1/events",
            json={
                "kind": "video.tamper",
                "source": "CAM-V1",
                "payload": {"condition": "occlusion"},
            },
        )
        assert r.status_code == 201, r.text
    popup = page.locator('#video-popup[data-camera="CAM-V1"]')
    expect(popup).to_be_visible()
    # Wait on what matters, not on a count under a fixed budget: the pop-up's player got
    # live fragments and has a picture to show. Under a loaded CI host the live view's
    # first fragments can take a while (the RTSP session and the remuxer start first),
    # so the deadline is a generous upper bound, not the expected time.
    page.wait_for_function(
        "v => Number(v.dataset.fragments || 0) >= 1 && v.readyState >= 2",
        arg=page.locator("#video-popup video").element_handle(),
        timeout=LIVE_WAIT_MS,
    )
    page.keyboard.press("Escape")
    expect(popup).to_have_count(0)
