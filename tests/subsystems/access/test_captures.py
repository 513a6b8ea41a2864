"""Face captures: stored sealed, served to people readers, purged after the retention
period unless an open alarm holds them, orphans of a crash swept."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.core.events import new_id
from anfang.core.writer import WriteContext
from anfang.face.service import FACE, FaceService
from anfang.store.base import utcnow
from anfang.store.models import Alarm, AlarmDefinition, AlarmEvent, EventRow
from anfang.subsystems.access import captures
from anfang.subsystems.access.models import AccessCapture
from tests.subsystems.access.conftest import PERSON, Site, multipart, signed
from tests.subsystems.access.test_api_terminal import FakeFace, _jpeg


async def _face(site: Site) -> dict[str, Any]:
    body, ctype = multipart(_jpeg())
    r = await signed(site.client, "face", body, device="TERM-UNIT", content_type=ctype)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def _payload(platform: Platform, event_id: str) -> dict[str, Any]:
    with platform.read_session() as s:
        row = s.get(EventRow, event_id)
        assert row is not None
        return row.payload


def _rows(platform: Platform) -> dict[str, AccessCapture]:
    with platform.read_session() as s:
        return {c.name: c for c in s.scalars(select(AccessCapture))}


async def _open_alarm(platform: Platform, event_id: str) -> str:
    alarm_id = new_id()

    def job(ctx: WriteContext) -> None:
        definition = ctx.session.scalars(select(AlarmDefinition.id)).first()
        if definition is None:
            d = AlarmDefinition(name="watch", kinds=["face.watchlist_hit"])
            ctx.session.add(d)
            ctx.session.flush()
            definition = d.id
        now = utcnow()
        ctx.session.add(
            Alarm(id=alarm_id, definition_id=definition, source="FACE", kind="face.watchlist_hit",
                  title="重点人员", priority=1, state="new", first_event_id=event_id,
                  last_event_at=now, created_at=now, updated_at=now)
        )  # fmt: skip
        ctx.session.flush()
        ctx.session.add(AlarmEvent(alarm_id=alarm_id, event_id=event_id))

    await platform.writer.run(job)
    return alarm_id


async def test_captures_are_sealed_and_purged(site: Site, platform: Platform) -> None:
    hit_event = new_id()
    platform.capabilities.provide(
        FACE,
        cast(
            FaceService,
            FakeFace(
                {"faces": 1, "match": {"person_id": PERSON, "name": "张保安", "distance": 0.3}}
            ),
        ),
    )
    granted = await _face(site)
    platform.capabilities.provide(
        FACE,
        cast(
            FaceService,
            FakeFace(
                {"faces": 1, "match": None, "watchlist": {"list": "重点人员", "event": hit_event}}
            ),
        ),
    )
    watched = await _face(site)
    assert watched["reason"] == "face_watchlist"
    p1, p2 = _payload(platform, granted["event_id"]), _payload(platform, watched["event_id"])
    rows = _rows(platform)
    key1, key2 = p1["capture"].removesuffix(".jpg"), p2["capture"].removesuffix(".jpg")
    assert rows[key1].event_id == granted["event_id"] and rows[key1].hold_event_id is None
    assert rows[key2].hold_event_id == hit_event
    base = captures.root(platform)
    for key in (key1, key2):  # sealed on disk: no JPEG, no plaintext file
        on_disk = (base / f"{key}.sealed").read_bytes()
        assert b"\xff\xd8" not in on_disk[:64] and not (base / f"{key}.jpg").exists()
    r = await site.client.get(f"/api/v1/access/captures/{p1['capture']}", headers=site.headers)
    assert r.status_code == 200 and r.content == _jpeg()
    # A crash between writing a file and committing its decision leaves an orphan.
    orphan = base / "20000101" / f"{'ab' * 12}.sealed"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"sealed")

    alarm = await _open_alarm(platform, hit_event)
    assert await captures.purge(platform) == 0  # nothing is 30 days old yet
    later = utcnow() + timedelta(days=31)
    assert await captures.purge(platform, later) == 1  # the held one stays
    assert set(_rows(platform)) == {key2} and not orphan.exists()
    assert not (base / f"{key1}.sealed").exists() and not (base / f"{key1}_t.sealed").exists()
    gone = await site.client.get(f"/api/v1/access/captures/{p1['capture']}", headers=site.headers)
    assert gone.status_code == 404
    held = await site.client.get(f"/api/v1/access/captures/{p2['thumb']}", headers=site.headers)
    assert held.status_code == 200 and held.content.startswith(b"\xff\xd8")

    def close(ctx: WriteContext) -> None:
        row = ctx.session.get(Alarm, alarm)
        assert row is not None
        row.state = "resolved"

    await platform.writer.run(close)
    assert await captures.purge(platform, later) == 1
    assert _rows(platform) == {} and not (base / f"{key2}.sealed").exists()


async def test_capture_names_and_tampering(site: Site, platform: Platform) -> None:
    for bad in ("../../etc/passwd", "20260101/xyz.jpg", "20260101/" + "a" * 24 + ".png"):
        assert captures.read(platform, bad) is None
    saved = captures.save(platform, _jpeg())
    assert captures.read(platform, saved.image) == _jpeg()
    path = captures.root(platform) / f"{saved.key}.sealed"
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))
    assert captures.read(platform, saved.image) is None  # altered: refused, not served
    r = await site.client.get("/api/v1/access/captures/2026/x.jpg", headers=site.headers)
    assert r.status_code == 404
