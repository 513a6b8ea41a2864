"""Retention: days per camera, quota, free-space floor, holds, crash-safe order."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.compliance import records
from anfang.config import Settings
from anfang.core.writer import WriteContext
from anfang.store.models import EventRow
from anfang.subsystems.video import service as svc
from anfang.subsystems.video.models import Segment
from anfang.subsystems.video.retention import RetentionSweeper
from anfang.subsystems.video.schemas import CameraCreate, CameraUpdate, HoldCreate
from anfang.subsystems.video.segmenter import segment_relpath
from anfang.subsystems.video.store import storage_root
from tests.conftest import make_settings
from tests.subsystems.video.helpers import add_devices

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Quota and floor off unless a test sets them."""
    return make_settings(tmp_path, video_min_free_bytes=0)


async def _setup(p: Platform, days: list[int]) -> list[int]:
    codes = [f"CAM-{i}" for i in range(len(days))]
    await add_devices(p, codes)
    ids = []
    for code, d in zip(codes, days, strict=True):
        cam = await svc.create_camera(
            p,
            "installer",
            CameraCreate(device_code=code, main_url="rtsp://192.0.2.1/x", retention_days=d),
        )
        ids.append(cam.id)
    return ids


async def _segments(p: Platform, cam: int, starts: list[datetime], size: int = 100) -> None:
    root = storage_root(p.settings)

    def job(ctx: WriteContext) -> None:
        for st in starts:
            rel = segment_relpath(cam, st)
            f = root / rel
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_bytes(b"\0" * size)
            ctx.session.add(
                Segment(
                    camera_id=cam,
                    start_at=st,
                    end_at=st + timedelta(minutes=1),
                    bytes=size,
                    path=rel,
                )
            )

    await p.writer.run(job)


def _left(p: Platform, cam: int | None = None) -> list[datetime]:
    with p.read_session() as s:
        stmt = select(Segment.start_at).order_by(Segment.start_at)
        if cam is not None:
            stmt = stmt.where(Segment.camera_id == cam)
        return list(s.scalars(stmt))


def _hours(n: int, first: datetime) -> list[datetime]:
    return [first + timedelta(hours=h) for h in range(n)]


@pytest.fixture
async def any_db(tmp_path: Path, db_url: str) -> AsyncIterator[Platform]:
    """A started platform on SQLite and on PostgreSQL."""
    p = Platform(make_settings(tmp_path, database_url=db_url, video_min_free_bytes=0))
    await p.start()
    try:
        yield p
    finally:
        await p.stop()


async def test_days_per_camera_and_holds(any_db: Platform) -> None:
    p = any_db
    # 31 and 33 days: the records rules keep video at least 30 days.
    a, b = await _setup(p, [31, 33])
    first = NOW - timedelta(days=35)
    await _segments(p, a, _hours(120, first))
    await _segments(p, b, _hours(120, first))
    held = first + timedelta(hours=10)
    await svc.create_hold(
        p,
        "admin",
        HoldCreate(
            camera_id=a, start_at=held, end_at=held + timedelta(minutes=30), reason="case 12"
        ),
    )
    res = await RetentionSweeper(p, storage_root(p.settings)).sweep(NOW)
    left_a, left_b = _left(p, a), _left(p, b)
    assert left_a[0] == held and all(t >= NOW - timedelta(days=31) for t in left_a[1:])
    assert all(t + timedelta(minutes=1) > NOW - timedelta(days=33) for t in left_b)
    assert len(left_b) == 72 and len(left_a) == 1 + 24
    assert res.kept_by_hold == 1 and res.deleted["days"] == 240 - len(left_a) - len(left_b)
    root = storage_root(p.settings)
    files = {str(f.relative_to(root)) for f in root.rglob("*.mp4")}
    with p.read_session() as s:
        assert files == set(s.scalars(select(Segment.path)))
    # Released, the held segment goes with the next sweep.
    with p.read_session() as s:
        (hold,) = svc.list_holds(s, active=True)
    await svc.release_hold(p, "admin", hold.id)
    await RetentionSweeper(p, root).sweep(NOW)
    assert len(_left(p, a)) == 24


async def test_quota_deletes_oldest_first(tmp_path: Path) -> None:
    p = Platform(make_settings(tmp_path, video_min_free_bytes=0, video_quota_bytes=1000))
    await p.start()
    try:
        a, b = await _setup(p, [30, 30])
        times = _hours(10, NOW - timedelta(hours=20)) + _hours(10, NOW - timedelta(hours=15))
        await _segments(p, a, times[:10])
        await _segments(p, b, times[10:])
        res = await RetentionSweeper(p, storage_root(p.settings)).sweep(NOW)
        assert res.deleted == {"quota": 10}
        assert _left(p) == sorted(times)[10:]  # the 10 oldest across cameras went
    finally:
        await p.stop()


async def test_free_space_floor_raises_a_fault(tmp_path: Path) -> None:
    # A floor above any real disk's free space: everything not held goes, oldest first.
    p = Platform(make_settings(tmp_path, video_min_free_bytes=1 << 60))
    await p.start()
    try:
        (a,) = await _setup(p, [30])
        await _segments(p, a, _hours(5, NOW - timedelta(hours=5)))
        sweeper = RetentionSweeper(p, storage_root(p.settings))
        res = await sweeper.sweep(NOW)
        assert res.storage_low and res.deleted == {"floor": 5} and _left(p) == []
        await sweeper.sweep(NOW)  # still low: the fault is raised once, not every sweep
        with p.read_session() as s:
            kinds = list(s.scalars(select(EventRow.kind).where(EventRow.kind == "video.trouble")))
        assert kinds == ["video.trouble"]
    finally:
        await p.stop()


async def test_rows_whose_files_are_gone_are_deleted(platform: Platform) -> None:
    """A crash between deleting files and rows: the next sweep removes the rows."""
    p = platform
    (a,) = await _setup(p, [31])
    starts = _hours(3, NOW - timedelta(days=33))
    await _segments(p, a, starts)
    for st in starts:
        (storage_root(p.settings) / segment_relpath(a, st)).unlink()
    res = await RetentionSweeper(p, storage_root(p.settings)).sweep(NOW)
    assert res.deleted == {"days": 3} and res.freed_bytes == 0 and _left(p) == []


async def test_never_shorter_than_the_records_rules(platform: Platform) -> None:
    """Video is kept at least 30 days: a camera may not be set shorter, and a community that
    keeps video longer (compliance's retention) keeps it longer than the camera says."""
    p = platform
    await add_devices(p, ["CAM-S"])
    with pytest.raises(svc.Invalid, match="at least 30 days"):
        await svc.create_camera(
            p,
            "installer",
            CameraCreate(device_code="CAM-S", main_url="rtsp://192.0.2.1/x", retention_days=15),
        )
    (a,) = await _setup(p, [31])
    with pytest.raises(svc.Invalid, match="at least 30 days"):
        await svc.update_camera(p, "installer", a, CameraUpdate(retention_days=29))
    await records.set_days(p, "admin", "video", 60)
    await _segments(p, a, _hours(3, NOW - timedelta(days=40)))
    res = await RetentionSweeper(p, storage_root(p.settings)).sweep(NOW)
    assert res.deleted.get("days", 0) == 0 and len(_left(p)) == 3
    with pytest.raises(svc.Invalid, match="at least 60 days"):
        await svc.update_camera(p, "installer", a, CameraUpdate(retention_days=45))
