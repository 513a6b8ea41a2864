"""The access tab in Chromium against the real ``anfang serve``: live passes with photo
thumbnails, a watch-list hit highlighted, door states, and remote open by keyboard."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from playwright.sync_api import expect

from anfang.ingest.http_push import sign
from anfang.subsystems.access.sim_setup import PACKAGED_FACES
from tests.web.conftest import Server
from tests.web.test_console import Console

pytestmark = pytest.mark.browser
SECRET = "rd-b2-secret-0123456789"
CARD = "4242"


def _terminal(server: Server, path: str, body: bytes, ctype: str = "application/json") -> Any:
    ts = str(int(time.time()))
    headers = {
        "X-Anfang-Device": "RD-B2",
        "X-Anfang-Timestamp": ts,
        "X-Anfang-Signature": sign(SECRET, ts, body),
        "Content-Type": ctype,
    }
    with httpx.Client(base_url=server.base_url, timeout=60) as c:
        r = c.post(f"/api/v1/access/terminal/{path}", content=body, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def _face(server: Server, image: bytes) -> Any:
    boundary = "b0undaryXyZ"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="c.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + image
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return _terminal(server, "face", body, f"multipart/form-data; boundary={boundary}")


@pytest.fixture
def console(browser: Any, server: Server) -> Iterator[Console]:
    """A browser tab on the console (as in test_console), in Chinese first."""
    context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="zh-CN")
    try:
        yield Console(context.new_page(), server)
    finally:
        context.close()


@pytest.fixture
def configured(server: Server) -> Iterator[dict[str, Any]]:
    """Door 2号楼单元门 on reader RD-B2, a holder with a card, one face on a watch list."""
    token = server.admin_token()
    with server.client(token) as c:
        dev = next(d for d in c.get("/api/v1/devices").json() if d["code"] == "RD-B2")
        assert c.patch(f"/api/v1/devices/{dev['id']}", json={"secret": SECRET}).status_code == 200
        door = c.post("/api/v1/access/doors", json={"code": "B2-U1", "name": "2号楼单元门",
                                                     "device_id": dev["id"]}).json()  # fmt: skip
        c.post("/api/v1/access/readers", json={"door_id": door["id"], "device_id": dev["id"]})
        group = c.post("/api/v1/access/groups", json={"code": "g", "name": "住户"}).json()
        c.post("/api/v1/access/rules", json={"group_id": group["id"], "door_id": door["id"]})
        holder = c.post(
            "/api/v1/access/holders", json={"name": "王小明", "group_ids": [group["id"]]}
        ).json()
        r = c.post("/api/v1/access/credentials",
                   json={"holder_id": holder["id"], "kind": "card", "value": CARD})  # fmt: skip
        assert r.status_code == 201, r.text
        photos = sorted(PACKAGED_FACES.glob("Adam_Sandler_*.jpg"))
        r = c.post(
            "/api/v1/face/enroll",
            data={"person_id": "watch-1", "name": "布控对象", "kind": "watch"},
            files={"image": ("a.jpg", photos[0].read_bytes(), "image/jpeg")},
            timeout=120,
        )
        face = r.status_code == 201
        if face:
            w = c.put("/api/v1/face/people/watch-1/watch", json={"list": "重点人员"})
            assert w.status_code == 200, w.text
        yield {"door": door, "face": face, "probe": photos[1].read_bytes()}


def test_access_tab_live(console: Console, configured: dict[str, Any], tmp_path: Path) -> None:
    page, server = console.page, console.server
    console.login()
    page.keyboard.press("5")
    page.wait_for_selector("#panel-access:not([hidden]) #access-log")
    expect(page.locator('#access-doors li[data-door="B2-U1"]')).to_have_count(1)
    engine = page.locator("#face-engine")  # which engine decides, at which thresholds
    expect(engine.locator("h3")).to_have_text("人脸识别引擎")
    expect(engine).to_contain_text("mobilefacenet")
    expect(engine).to_contain_text("出入口 ≥ 0.48")

    # A door opened with no grant before it: forced, shown on the door list.
    assert _terminal(server, "status", orjson.dumps({"door": "open"}))["raised"] == (
        "access.door_forced"
    )
    door = page.locator('#access-doors li[data-door="B2-U1"]')
    expect(door).to_have_attribute("data-alarm", "forced")
    _terminal(server, "status", orjson.dumps({"door": "closed"}))

    assert _terminal(server, "credential", orjson.dumps({"card": CARD}))["result"] == "grant"
    assert _terminal(server, "credential", orjson.dumps({"card": "9"}))["reason"] == (
        "unknown_credential"
    )
    rows = page.locator(
        '#access-rows tr[data-kind="access.granted"], #access-rows tr[data-kind="access.denied"]'
    )
    expect(rows).to_have_count(2)
    expect(page.locator('#access-rows tr[data-kind="access.door_forced"]')).to_have_count(1)
    assert "王小明" in rows.nth(1).inner_text() and "放行" in rows.nth(1).inner_text()
    assert "未登记的凭证" in rows.nth(0).inner_text()

    if configured["face"]:
        out = _face(server, configured["probe"])
        assert out["reason"] == "face_watchlist", out
        hit = page.locator("#access-rows tr.watch")
        expect(hit).to_have_count(1)
        assert "布控" in hit.inner_text()
        assert "相似度 0." in hit.inner_text()  # how sure the match was, and the live score
        assert "活体 " in hit.inner_text()
        expect(hit.locator("img")).to_have_attribute("src", re.compile("^data:image/jpeg"))
        page.wait_for_function(  # the thumbnail really loaded (fetched with the token)
            "() => document.querySelector('#access-rows tr.watch img').naturalWidth > 0"
        )

    # Remote open goes through the dialog by keyboard alone.
    door.locator("button.access-open").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#access-open-dialog[open]")
    page.keyboard.press("Enter")  # an empty reason is refused by the form
    assert page.locator("#access-open-dialog[open]").count() == 1
    page.keyboard.type("快递员进门")
    page.keyboard.press("Enter")
    page.wait_for_selector("#access-open-dialog:not([open])", state="attached")
    expect(page.locator('#access-rows tr[data-kind="access.remote_open"]')).to_have_count(1)
    polled = _terminal(server, "poll", b"")
    assert [c["command"] for c in polled["commands"]] == ["open"]
    page.keyboard.press("Escape")

    page.click("#lang")
    expect(page.locator("#access-log th").first).to_have_text("Time")
    expect(door.locator("button.access-open")).to_have_text("Remote open")
    expect(page.locator("#face-engine h3")).to_have_text("Face recognition engine")
    page.screenshot(path=str(tmp_path / "console-access.png"))
    assert not console.errors, console.errors
