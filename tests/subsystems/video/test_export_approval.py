"""Exports under the records rules: the requesting unit and person kept with each; an export
for publication masked (faces and plates) and, like any export longer than the limit,
started only after a second person approved it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import httpx
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.store.models import AuditEntry
from anfang.subsystems.video.store import storage_root
from tests.conftest import auth, login
from tests.subsystems.video.segfiles import add_camera, add_segments
from tests.subsystems.video.test_masking import PLATE_AT, write_clip

T0 = datetime(2026, 5, 1, 8, 0, 0, tzinfo=UTC)
BASE = "/api/v1/video/exports"


async def _wait(
    client: httpx.AsyncClient, h: dict[str, str], export_id: int, seen: list[object] | None = None
) -> dict[str, object]:
    """Poll until the export has stopped running; ``seen`` collects its progress meanwhile."""
    async with asyncio.timeout(60):
        while True:
            body: dict[str, object] = (await client.get(f"{BASE}/{export_id}", headers=h)).json()
            if body["state"] != "running":
                assert body["progress"] is None
                return body
            if seen is not None:
                seen.append(body["progress"])
            await asyncio.sleep(0.1)


async def test_publication_export_is_approved_by_a_second_person_and_masked(
    platform: Platform, app_client: httpx.AsyncClient, admin_token: str, tmp_path: Path
) -> None:
    cam = await add_camera(platform, "CAM-M")
    root = storage_root(platform.settings)
    clip = root / "CAM-M" / "seg.mp4"
    clip.parent.mkdir(parents=True)
    write_clip(clip, frames=20)
    await add_segments(
        platform, cam, [("CAM-M/seg.mp4", T0, T0 + timedelta(seconds=2), clip.stat().st_size)]
    )
    await platform.users.create("zhang", "password-of-zhang", "supervisor", "test")
    other = auth(await login(app_client, "zhang", "password-of-zhang"))
    admin = auth(admin_token)

    body = {
        "camera": "CAM-M",
        "start": T0.isoformat(),
        "end": (T0 + timedelta(seconds=2)).isoformat(),
        "reason": "协查通报发布",
        "unit": "园区派出所",
        "requester": "李警官",
        "publication": True,
    }
    r = await app_client.post(BASE, json=body, headers=admin)
    assert r.status_code == 202 and r.json()["state"] == "awaiting_approval", r.text
    eid = r.json()["id"]
    assert (await app_client.get(f"{BASE}/{eid}/download", headers=admin)).status_code == 409
    r = await app_client.post(f"{BASE}/{eid}/approval", json={"approve": True}, headers=admin)
    assert r.status_code == 409 and "second person" in r.text
    r = await app_client.post(
        f"{BASE}/{eid}/approval", json={"approve": True, "note": "同意"}, headers=other
    )
    assert r.status_code == 202 and r.json()["approved_by"] == "user:zhang"
    seen: list[object] = []
    done = await _wait(app_client, admin, eid, seen)
    assert done["state"] == "done", done
    # The masking pass (a worker process that loads the face model) shows where it is.
    masking = [p for p in seen if isinstance(p, dict) and p["stage"] == "masking"]
    assert masking and all(p["total"] > 0 for p in masking), seen
    assert (done["unit"], done["requester"], done["publication"]) == ("园区派出所", "李警官", True)
    dl = await app_client.get(f"{BASE}/{eid}/download", headers=admin)
    out = tmp_path / "public.mp4"
    out.write_bytes(dl.content)
    with av.open(str(out)) as c:
        frame = next(c.decode(video=0)).to_ndarray(format="rgb24")
    plate = frame[PLATE_AT[1] : PLATE_AT[3], PLATE_AT[0] : PLATE_AT[2]].astype(int)
    assert float(abs(plate[:, 1:] - plate[:, :-1]).mean()) < 6  # blocks, no characters
    assert list(root.rglob("*unmasked*")) == []  # the unmasked cut is not kept
    with platform.read_session() as s:
        entries = {
            e.action: e
            for e in s.scalars(select(AuditEntry).where(AuditEntry.action.like("video.export%")))
        }
    assert entries["video.export.requested"].detail["unit"] == "园区派出所"
    assert entries["video.export.approved"].actor == "user:zhang"
    masked = entries["video.export"].detail["masked"]
    assert masked["frames"] >= 10 and masked["plates"] >= 1 and masked["faces"] >= 1
    assert {p["total"] for p in masking if isinstance(p, dict)} == {masked["frames"]}
    r = await app_client.post(f"{BASE}/{eid}/approval", json={"approve": True}, headers=other)
    assert r.status_code == 409


async def test_long_export_waits_and_can_be_rejected(
    platform: Platform, app_client: httpx.AsyncClient, admin_token: str
) -> None:
    await add_camera(platform, "CAM-L")
    await platform.users.create("zhang", "password-of-zhang", "supervisor", "test")
    other = auth(await login(app_client, "zhang", "password-of-zhang"))
    body = {
        "camera": "CAM-L",
        "start": T0.isoformat(),
        "end": (T0 + timedelta(minutes=31)).isoformat(),
        "reason": "业主报案",
    }
    r = await app_client.post(BASE, json=body, headers=auth(admin_token))
    assert r.json()["state"] == "awaiting_approval"
    r = await app_client.post(
        f"{BASE}/{r.json()['id']}/approval",
        json={"approve": False, "note": "范围过大"},
        headers=other,
    )
    assert r.json()["state"] == "rejected"
    short = body | {"end": (T0 + timedelta(minutes=29)).isoformat()}
    r = await app_client.post(BASE, json=short, headers=auth(admin_token))
    assert r.json()["state"] == "running"
    assert (
        await app_client.post(f"{BASE}/999/approval", json={"approve": True}, headers=other)
    ).status_code == 404
