"""The HTTP terminal interface: signed presentations, decisions stored before the answer,
anti-passback, door states, and every kind of bad input refused clearly."""

from __future__ import annotations

import io
import time
from typing import Any, cast

import httpx
import orjson
import pytest
from PIL import Image
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.face.service import FACE, FaceService
from anfang.store.models import EventRow
from anfang.subsystems.access.adapters import wiegand
from tests.subsystems.access.conftest import (
    CARD,
    PERSON,
    PIN,
    Site,
    multipart,
    present,
    signed,
    until,
)


def _events(platform: Platform, kind: str) -> list[EventRow]:
    with platform.read_session() as s:
        return list(s.scalars(select(EventRow).where(EventRow.kind == kind)))


async def test_card_grant_is_stored_before_the_answer(site: Site, platform: Platform) -> None:
    out = await present(site.client, reader="in", card=CARD)
    assert out["result"] == "grant" and out["reason"] == "ok" and out["holder"] == "张保安"
    assert out["display"] == "欢迎通行" and out["open_s"] == 5
    # The answer came after the commit: the event is readable right now.
    ev = next(e for e in _events(platform, "access.granted") if e.id == out["event_id"])
    assert ev.payload["door"] == "GATE-S" and ev.payload["direction"] == "entry"
    assert ev.payload["holder_id"] == site.ids["holder"] and ev.source == "TERM-GATE"


async def test_unknown_card_denied_and_counted(site: Site, platform: Platform) -> None:
    from anfang.subsystems.access.service import DENIED

    before = DENIED.labels("unknown_credential")._value.get()
    out = await present(site.client, reader="in", card="999")
    assert (out["result"], out["reason"], out["open_s"]) == ("deny", "unknown_credential", 0)
    assert DENIED.labels("unknown_credential")._value.get() == before + 1
    assert [e.payload["card"] for e in _events(platform, "access.denied")] == ["999"]


async def test_hard_anti_passback(site: Site) -> None:
    assert (await present(site.client, reader="in", card=CARD))["result"] == "grant"
    again = await present(site.client, reader="in", card=CARD)
    assert (again["result"], again["reason"]) == ("deny", "passback")
    assert (await present(site.client, reader="out", card=CARD))["result"] == "grant"
    assert (await present(site.client, reader="in", card=CARD))["result"] == "grant"


async def test_pin_and_wiegand(site: Site) -> None:
    assert (await present(site.client, reader="in", pin=PIN))["result"] == "grant"
    frame = format(wiegand.encode(26, int(CARD) >> 16, int(CARD) & 0xFFFF), "026b")
    out = await present(site.client, reader="out", wiegand=frame)
    assert out["result"] == "grant"
    broken = frame[:-1] + ("1" if frame[-1] == "0" else "0")
    r = await signed(site.client, "credential", orjson.dumps({"reader": "in", "wiegand": broken}))
    assert r.status_code == 422 and r.json()["reason"] == "wiegand_parity"


async def test_suspended_credential_and_no_permission(site: Site) -> None:
    r = await site.client.patch(
        f"/api/v1/access/credentials/{site.ids['cred_card']}",
        json={"state": "lost"},
        headers=site.headers,
    )
    assert r.status_code == 200
    assert (await present(site.client, reader="in", card=CARD))["reason"] == "credential_inactive"


async def test_bad_requests_refused(site: Site) -> None:
    body = orjson.dumps({"reader": "in", "card": CARD})
    cases: list[tuple[httpx.Response, int, str]] = [
        (await signed(site.client, "credential", body, secret="wrong"), 401, "bad_signature"),
        (await signed(site.client, "credential", body, ts=int(time.time()) - 3600), 401, "replay"),
        (await signed(site.client, "credential", body, device="NOPE"), 401, "unknown_device"),
        (await signed(site.client, "credential", b"{"), 422, "malformed_json"),
        (await signed(site.client, "credential", b'{"card":"12","pin":"1234"}'), 422, "bad_field"),
        (await signed(site.client, "credential", b'{"card":"12a"}'), 422, "bad_credential"),
    ]
    for r, status, reason in cases:
        assert (r.status_code, r.json()["reason"]) == (status, reason), r.text
    big = await signed(site.client, "credential", b"x" * 2_000_000)
    assert big.status_code == 413  # refused before anything is parsed
    out = await present(site.client, reader="zz", card=CARD)
    assert out["reason"] == "unknown_reader"


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 90, 60)).save(buf, "JPEG")
    return buf.getvalue()


class FakeFace:
    """A face service answering in the documented shape."""

    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer
        self.calls = 0

    async def identify(self, image: bytes, **_: Any) -> dict[str, Any]:
        self.calls += 1
        if not image.startswith(b"\xff\xd8"):
            raise ValueError("not a JPEG")
        return self.answer


async def _face(site: Site, device: str, **fields: str) -> httpx.Response:
    body, ctype = multipart(_jpeg(), **fields)
    return await signed(site.client, "face", body, device=device, content_type=ctype)


async def test_face_decisions(site: Site, platform: Platform) -> None:
    platform.capabilities.withdraw(FACE)
    r = await _face(site, "TERM-GATE", reader="in")
    assert r.json()["reason"] == "face_unavailable"
    fake = FakeFace({"faces": 1, "match": {"person_id": PERSON, "name": "张保安", "distance": 0.3}})
    platform.capabilities.provide(FACE, cast(FaceService, fake))
    r = await _face(site, "TERM-GATE", reader="in", liveness="pass")
    assert r.status_code == 200 and r.json()["result"] == "grant", r.text
    ev = next(e for e in _events(platform, "access.granted") if e.id == r.json()["event_id"])
    assert ev.payload["face"]["person_id"] == PERSON and ev.payload["liveness"] == "pass"
    thumb = await site.client.get(
        f"/api/v1/access/captures/{ev.payload['thumb']}", headers=site.headers
    )
    assert thumb.status_code == 200 and thumb.content.startswith(b"\xff\xd8")
    r = await _face(site, "TERM-GATE", reader="out", liveness="fail")
    assert r.json()["reason"] == "liveness_failed" and fake.calls == 1
    fake.answer = {"faces": 1, "match": None}
    r = await _face(site, "TERM-UNIT")
    assert r.json()["reason"] == "face_unknown"
    stranger = next(e for e in _events(platform, "access.denied") if e.id == r.json()["event_id"])
    assert stranger.payload["stranger"] is True
    fake.answer = {"faces": 1, "match": None, "watchlist": {"list": "重点人员"}}
    assert (await _face(site, "TERM-UNIT")).json()["reason"] == "face_watchlist"
    fake.answer = {"faces": 0, "match": None}
    assert (await _face(site, "TERM-UNIT")).json()["reason"] == "face_no_face"
    body, ctype = multipart(b"GIF89a not a jpeg")
    r = await signed(site.client, "face", body, device="TERM-UNIT", content_type=ctype)
    assert r.status_code == 422 and r.json()["reason"] == "not_an_image"
    r = await signed(site.client, "face", b"{}", device="TERM-UNIT")
    assert r.status_code == 415


async def _status(site: Site, door: str, reader: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"door": door} | ({"reader": reader} if reader else {})
    r = await signed(site.client, "status", orjson.dumps(body), device="TERM-UNIT")
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


async def test_forced_and_held_open(site: Site, platform: Platform) -> None:
    assert (await _status(site, "open"))["raised"] == "access.door_forced"
    assert (await _status(site, "closed"))["raised"] == "access.door_closed"
    body, ctype = multipart(_jpeg())
    platform.capabilities.provide(
        FACE,
        cast(
            FaceService,
            FakeFace(
                {"faces": 1, "match": {"person_id": PERSON, "name": "张保安", "distance": 0.3}}
            ),
        ),
    )
    r = await signed(site.client, "face", body, device="TERM-UNIT", content_type=ctype)
    assert r.json()["result"] == "grant"
    assert (await _status(site, "open"))["raised"] is None  # a granted open
    await until(lambda: bool(_events(platform, "access.door_held")))  # held_open_s is 3
    doors = await site.client.get("/api/v1/access/doors", headers=site.headers)
    unit = next(d for d in doors.json() if d["code"] == "U1")
    assert (unit["state"], unit["alarm"]) == ("open", "held")
    assert (await _status(site, "closed"))["raised"] == "access.door_closed"


async def test_qr_codes_go_to_the_visitor_passes(
    site: Site, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A forged code through the real pass check: refused, recorded with its reason.
    out = await present(site.client, reader="in", qr="ANF1.not-a-real-pass")
    assert (out["result"], out["reason"]) == ("deny", "qr_refused")
    ev = next(e for e in _events(platform, "access.denied") if e.id == out["event_id"])
    assert ev.payload["credential"] == "qr" and ev.payload["pass_reason"]

    from anfang.subsystems.access import passes_service as passes

    seen: list[tuple[str, str]] = []

    async def fake_check(_: Any, text: str, door: str) -> passes.PassDecision:
        seen.append((text, door))
        return passes.PassDecision(True, "ok", "PASS-1", "访客 李四")

    monkeypatch.setattr(passes, "check_pass", fake_check)
    out = await present(site.client, reader="in", qr="ANF1.good")
    assert (out["result"], out["holder"]) == ("grant", "访客 李四")
    assert seen == [("ANF1.good", "GATE-S")]
