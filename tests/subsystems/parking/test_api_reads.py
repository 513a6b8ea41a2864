"""Plate reads end to end: decided by the platform in the read's transaction, barrier opened
through access control, black list a P1 alarm, exits matched (a one-character misread shown
to the operator, never guessed), bad input refused with a reason and counted."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image
from prometheus_client import REGISTRY
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.store.models import Alarm, AuditEntry, EventRow
from tests.subsystems.parking.conftest import Park, soon
from tests.subsystems.perimeter.conftest import until


def events(platform: Platform, kind: str) -> list[EventRow]:
    with platform.read_session() as s:
        return list(s.scalars(select(EventRow).where(EventRow.kind == kind)))


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (94, 24), (20, 60, 160)).save(out, "JPEG")
    return out.getvalue()


async def test_a_resident_enters_the_barrier_opens_and_the_stay_closes(
    platform: Platform, park: Park
) -> None:
    r = await park.read("苏e·12345", image=jpeg(), colour="蓝", confidence=97)
    assert r.status_code == 200, r.text
    ans = r.json()
    assert (ans["plate"], ans["verdict"], ans["open"], ans["reason"]) == (
        "苏E12345",
        "ok",
        True,
        "resident",
    )
    await until(lambda: bool(events(platform, "access.remote_open")))
    (opened,) = events(platform, "access.remote_open")
    assert opened.payload["door"] == "BAR-1" and opened.payload["actor"] == "parking:lpr"
    (entry,) = events(platform, "parking.entry")
    assert entry.payload["class"] == "resident" and entry.source == "CAM-IN"
    (read,) = events(platform, "parking.plate")
    name = read.payload["capture"]
    img = await park.client.get(f"/api/v1/parking/captures/{name}", headers=park.headers)
    assert img.status_code == 200 and img.content == jpeg()
    state = (await park.client.get("/api/v1/parking/lots/state", headers=park.headers)).json()
    assert (state[0]["inside"], state[0]["free"], state[0]["by_class"]) == (1, 9, {"resident": 1})
    out = (await park.read("苏E12345", lane="CAM-OUT")).json()
    assert out["open"] and out["extra"]["direction"] == "out"
    stays = (await park.client.get("/api/v1/parking/sessions", headers=park.headers)).json()
    assert [(s["state"], s["match"]) for s in stays] == [("left", "exact")]
    assert stays[0]["dwell_s"] >= 0
    # Tracing a vehicle by its plate is a retrieval: a reason, logged with who asks.
    url = "/api/v1/parking/sessions"
    r = await park.client.get(url, params={"plate": "苏E12345"}, headers=park.headers)
    assert r.status_code == 422 and "reason" in r.text
    ask = {"plate": "苏E12345", "reason": "协查", "unit": "园区派出所", "requester": "李警官"}
    r = await park.client.get(url, params=ask, headers=park.headers)
    assert r.status_code == 200 and len(r.json()) == 1
    with platform.read_session() as s:
        actions = {a.action: a for a in s.scalars(select(AuditEntry))}
    assert {"parking.capture_view", "access.remote_open"} <= set(actions)
    search = actions["parking.plate_search"].detail
    assert (search["plate"], search["reason"], search["unit"]) == ("苏E12345", "协查", "园区派出所")


async def test_a_blacklisted_car_is_a_p1_alarm_and_stays_out(
    platform: Platform, park: Park
) -> None:
    ans = (await park.read("沪A66666")).json()
    assert (ans["open"], ans["reason"], ans["extra"]["class"]) == (False, "blacklisted", "black")
    (hit,) = events(platform, "parking.blacklist")
    assert hit.payload["why"] == "公安通报被盗车辆"
    with platform.read_session() as s:
        (alarm,) = s.scalars(select(Alarm)).all()
    assert alarm.priority == 1


async def test_unknown_and_invited_cars(platform: Platform, park: Park) -> None:
    assert (await park.read("浙B99999")).json()["reason"] == "unknown"
    invite = {
        "plate": "浙B99999",
        "visitor": "快递",
        "valid_from": soon(-1).isoformat(),
        "valid_until": soon(60).isoformat(),
    }
    r = await park.client.post("/api/v1/parking/invites", json=invite, headers=park.headers)
    assert r.status_code == 201, r.text
    ans = (await park.read("浙B99999")).json()
    assert (ans["open"], ans["reason"]) == (True, "invited")
    r = await park.client.delete(f"/api/v1/parking/invites/{r.json()['id']}", headers=park.headers)
    assert r.json()["revoked"] is True


async def test_a_misread_exit_is_offered_not_guessed(platform: Platform, park: Park) -> None:
    await park.read("苏E12345")
    ans = (await park.read("苏E12845", lane="CAM-OUT")).json()
    assert ans["open"] is True  # nobody is trapped inside
    (ev,) = events(platform, "parking.unmatched_exit")
    assert ev.payload["near"] == ["苏E12345"]
    state = (await park.client.get("/api/v1/parking/lots/state", headers=park.headers)).json()[0]
    assert state["inside"] == 1 and state["unmatched"][0]["near"] == ["苏E12345"]
    unmatched = state["unmatched"][0]["id"]
    inside = (
        await park.client.get(
            "/api/v1/parking/sessions", params={"state": "inside"}, headers=park.headers
        )
    ).json()[0]["id"]
    url = f"/api/v1/parking/sessions/{unmatched}/match"
    r = await park.client.post(url, json={"session_id": inside}, headers=park.headers)
    assert r.status_code == 200, r.text
    assert (r.json()["state"], r.json()["match"], r.json()["exit_plate"]) == (
        "left",
        "confirmed",
        "苏E12845",
    )
    again = await park.client.post(url, json={"session_id": inside}, headers=park.headers)
    assert again.status_code == 404


async def test_a_read_sent_twice_is_stored_once_with_one_answer(
    platform: Platform, park: Park
) -> None:
    first = (await park.read("苏E12345", ident="same-1", image=jpeg())).json()
    second = (await park.read("苏E12345", ident="same-1", image=jpeg())).json()
    assert second["duplicate"] and second["event_id"] == first["event_id"]
    assert second["open"] == first["open"] and second["plate"] == "苏E12345"
    assert len(events(platform, "parking.entry")) == 1
    captures = list((platform.settings.data_dir / "parking" / "captures").rglob("*.sealed"))
    assert len(captures) == 1


def refused(reason: str) -> float:
    return REGISTRY.get_sample_value("anfang_parking_reads_total", {"verdict": reason}) or 0.0


async def test_bad_reads_are_refused_with_a_reason(platform: Platform, park: Park) -> None:
    before = refused("malformed")
    ans = (await park.read("苏E1234")).json()
    assert (ans["verdict"], ans["open"], ans["plate"]) == ("malformed", False, None)
    assert "6 characters" in ans["reason"] and refused("malformed") == before + 1
    broken = (await park.read("苏E12345", image=b"\xff\xd8broken")).json()
    assert broken["open"] is True  # the decision stands; the image is dropped with a reason
    (read,) = [e for e in events(platform, "parking.plate") if e.payload.get("plate") == "苏E12345"]
    assert "does not decode" in read.payload["image_refused"]
    r = await park.read("苏E12345", image=b"x" * (3 * 1024 * 1024))
    assert r.status_code == 413
    r = await park.read("苏E12345", confidence=250)
    assert r.status_code == 422 and r.json()["reason"] == "bad_field"
    r = await park.client.post(
        "/api/v1/parking/reads", content=b"{}", headers={"X-Anfang-Device": "CAM-IN"}
    )
    assert r.status_code == 401
    stray = (await park.read("苏E12345", lane="CAM-OUT-2")).status_code
    assert stray == 401  # an unknown camera


async def test_an_operator_opens_a_barrier_with_a_reason(platform: Platform, park: Park) -> None:
    url = f"/api/v1/parking/lanes/{park.lane_in}/open"
    assert (
        await park.client.post(url, json={"reason": ""}, headers=park.headers)
    ).status_code == 422
    r = await park.client.post(url, json={"reason": "访客无车牌登记"}, headers=park.headers)
    assert r.status_code == 200, r.text
    (opened,) = events(platform, "access.remote_open")
    assert opened.payload["actor"] == "user:admin" and "访客无车牌登记" in opened.payload["reason"]
    r = await park.client.post(
        f"/api/v1/parking/lanes/{park.lane_out}/open", json={"reason": "xx"}, headers=park.headers
    )
    assert r.status_code == 409  # no barrier on that lane


async def test_a_vzenith_camera_is_answered_with_the_gate(platform: Platform, park: Park) -> None:
    from anfang.core.writer import WriteContext
    from anfang.store.models import Device

    def camera(ctx: WriteContext) -> None:
        dev = ctx.session.scalars(select(Device).where(Device.code == "CAM-IN")).one()
        dev.protocol, dev.address, dev.meta = "vzenith", "127.0.0.1", {"serialno": "e0fade63"}
        ctx.mark_changed("devices")

    await platform.writer.run(camera)
    body: dict[str, Any] = {"AlarmInfoPlate": {"serialno": "e0fade63", "result": {"PlateResult": {
        "license": "苏E12345", "colorType": 1, "confidence": 96, "plateid": 77,
        "timeStamp": {"Timeval": {"sec": 1765000000}}}}}}  # fmt: skip
    r = await park.client.post("/api/v1/parking/vzenith", json=body)
    assert r.status_code == 200, r.text
    assert r.json() == {"Response_AlarmInfoPlate": {"info": "ok", "plateid": 77}}
    body["AlarmInfoPlate"]["result"]["PlateResult"] |= {"license": "沪A66666", "plateid": 78}
    r = await park.client.post("/api/v1/parking/vzenith", json=body)
    assert r.json()["Response_AlarmInfoPlate"]["info"] == "no"
    body["AlarmInfoPlate"]["serialno"] = "ffff"
    assert (await park.client.post("/api/v1/parking/vzenith", json=body)).status_code == 401
    bad = await park.client.post("/api/v1/parking/vzenith", content=b"{")
    assert bad.status_code == 400 and bad.json()["reason"] == "malformed_json"
