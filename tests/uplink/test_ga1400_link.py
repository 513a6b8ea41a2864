"""The GA/T 1400 link against a view library started in the test: face captures and plate
reads uploaded with real digest authentication, IDs and JSON shapes checked by the server;
the policy per upper; the queue keeping its own copy of an image; a wrong password."""

from __future__ import annotations

import asyncio
import io

from PIL import Image
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.core.events import Event
from anfang.store.models import AuditEntry
from anfang.subsystems.access import captures
from anfang.uplink.models import OutboxItem
from anfang.uplink.sim_viid import SimViid
from tests.uplink.conftest import VIID_ID, add_devices, configure, until, uplink


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 80), (180, 140, 120)).save(out, "JPEG")
    return out.getvalue()


async def _face(platform: Platform, source: str, **payload: object) -> str:
    saved = captures.save(platform, _jpeg())
    media = [{"type": "capture", "name": saved.image, "thumb": saved.thumb}]
    ev = Event.create("access.granted", source, payload=dict(payload), media=media)
    await platform.pipeline.submit(ev)
    return saved.image


async def _viid(platform: Platform, viid: SimViid, **fields: object) -> int:
    return await configure(
        platform,
        name="视图库",
        protocol="ga1400",
        server_id=VIID_ID,
        port=viid.port,
        transport="http",
        **fields,
    )


def _states(platform: Platform) -> list[str]:
    with platform.read_session() as s:
        return [o.state for o in s.scalars(select(OutboxItem).order_by(OutboxItem.id))]


async def test_faces_and_plates_go_up_in_the_standard_shape(
    platform: Platform, viid: SimViid
) -> None:
    await add_devices(platform, [("FT-1", "face_terminal"), ("LPR-1", "lpr_camera")])
    pid = await _viid(platform, viid)
    link = uplink(platform).links[pid]
    await until(lambda: link.status.state == "registered")
    await _face(platform, "FT-1")
    plate = Event.create("parking.entry", "LPR-1", payload={"plate": "京A12345", "colour": "blue"})
    await platform.pipeline.submit(plate)
    await until(lambda: len(viid.seen.faces) == 1 and len(viid.seen.vehicles) == 1)
    assert viid.seen.refusals == []
    face = viid.seen.faces[0]
    assert face["DeviceID"] == uplink(platform).national_id("FT-1", None)
    assert face["SubImageList"]["SubImageInfoObject"][0]["Type"] == "14"
    car = viid.seen.vehicles[0]
    assert car["PlateNo"] == "京A12345" and car["PlateColor"] == "5"
    await until(lambda: _states(platform) == ["sent", "sent"])
    with platform.read_session() as s:
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "uplink.upload")).all()
    assert {d for a in audit for d in a.detail["kinds"]} == {"face", "vehicle"}


async def test_watchlist_policy_sends_only_hits(platform: Platform, viid: SimViid) -> None:
    await add_devices(platform, [("FT-1", "face_terminal")])
    pid = await _viid(platform, viid, policy="watchlist")
    await until(lambda: uplink(platform).links[pid].status.state == "registered")
    await _face(platform, "FT-1")
    await _face(platform, "FT-1", watchlist=True, reason="face_watchlist")
    await until(lambda: len(viid.seen.faces) == 1)
    assert _states(platform) in (["queued"], ["sent"])


async def test_the_queue_keeps_its_copy_while_the_upper_is_down(
    platform: Platform, viid: SimViid
) -> None:
    await add_devices(platform, [("FT-1", "face_terminal")])
    pid = await _viid(platform, viid)
    link = uplink(platform).links[pid]
    await until(lambda: link.status.state == "registered")
    viid.mode = "down"
    name = await _face(platform, "FT-1")
    # Retention removes the capture before the upper is back: the queue has its own copy.
    sealed = (captures.root(platform) / name).with_suffix(".sealed")
    await asyncio.to_thread(sealed.unlink)
    assert captures.read(platform, name) is None
    await until(lambda: any(s == "queued" for s in _states(platform)))
    viid.mode = "up"
    await until(lambda: _states(platform) == ["sent"], 90)
    images = viid.seen.faces[0]["SubImageList"]["SubImageInfoObject"]
    assert images and viid.seen.refusals == []


async def test_a_wrong_password_is_refused_clearly(platform: Platform, viid: SimViid) -> None:
    viid.users = {"34020000002000000099": "another"}
    pid = await _viid(platform, viid)
    await until(lambda: uplink(platform).links[pid].status.state == "refused")
    assert "password" in uplink(platform).links[pid].status.detail
