"""Retention: delete recordings past each camera's days, over the disk quota, or below the
emergency free-space floor (oldest first), never those under an evidence hold.

Order is crash-safe: a batch's files are deleted first, then its rows. A crash between the
two leaves rows whose files are gone; they are still the oldest (or past their days), so
the next sweep deletes them again, counting nothing freed for a missing file. Files
without rows (a ``.part`` cut short, a segment renamed but not yet indexed, a deleted
camera's folder) are handled by :meth:`RetentionSweeper.cleanup_orphans` at start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prometheus_client import Counter
from sqlalchemy import delete, func, or_, select

from anfang.core.capabilities import RETENTION
from anfang.core.events import Event
from anfang.core.writer import WriteContext
from anfang.store.base import utcnow
from anfang.subsystems.video.models import Camera, EvidenceHold, Segment
from anfang.subsystems.video.orphans import cleanup_orphans

if TYPE_CHECKING:
    from anfang.kernel import Kernel

log = logging.getLogger(__name__)

DELETED = Counter("anfang_video_segments_deleted_total", "Segments deleted", ["reason"])
BATCH = 5000
STORAGE_SOURCE = "video-storage"


@dataclass
class SweepResult:
    """What one sweep did."""

    deleted: dict[str, int] = field(default_factory=dict)
    freed_bytes: int = 0
    kept_by_hold: int = 0
    seconds: float = 0.0
    storage_low: bool = False


@dataclass(frozen=True, slots=True)
class _Hold:
    camera_id: int | None
    start: datetime
    end: datetime

    def covers(self, camera_id: int, start: datetime, end: datetime) -> bool:
        return (self.camera_id is None or self.camera_id == camera_id) and (
            start < self.end and end > self.start
        )


class RetentionSweeper:
    """Runs retention sweeps for the recorder (periodically, and at once on a full disk)."""

    def __init__(self, platform: Kernel, root: Path) -> None:
        self.platform = platform
        self.settings = platform.settings
        self.root = root
        self.low_raised = False
        self.last: SweepResult | None = None  # the latest sweep's result
        self.sweeps = 0
        self._now_event = asyncio.Event()

    def request(self) -> None:
        """Ask for a sweep now (e.g. a worker reported a full disk)."""
        self._now_event.set()

    async def run_forever(self) -> None:
        """Sweep every ``video_retention_interval_seconds`` (first soon after start)."""
        delay = min(10.0, self.settings.video_retention_interval_seconds)
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._now_event.wait()
            self._now_event.clear()
            try:
                await self.sweep()
            except Exception:
                log.exception("retention sweep failed")
            delay = self.settings.video_retention_interval_seconds

    async def cleanup_orphans(self) -> None:
        """Remove half-written files and index complete files the index lacks."""
        await cleanup_orphans(self.platform, self.root)

    async def sweep(self, now: datetime | None = None) -> SweepResult:
        """One sweep: days per camera, then the quota, then the free-space floor."""
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        now = now or utcnow()
        res = SweepResult()
        holds, cams = await asyncio.to_thread(self._read_holds_and_cameras, now)
        # Never shorter than the records rules' minimum for video (a camera set shorter
        # before the rule came in keeps its recordings that long).
        policy = self.platform.capabilities.get(RETENTION)
        floor = (policy.days("video") if policy is not None else None) or 0
        for cam_id, days in cams:
            cutoff = now - timedelta(days=max(days, floor))
            await self._delete_where(res, "days", holds, cam_id, cutoff, None)
        quota = self.settings.video_quota_bytes
        if quota is not None:
            used = await asyncio.to_thread(self._used_bytes)
            if used > quota:
                await self._delete_where(res, "quota", holds, None, None, used - quota)
        floor = self.settings.video_min_free_bytes
        free = await asyncio.to_thread(self._free_bytes)
        if free < floor:
            res.storage_low = True
            await self._delete_where(res, "floor", holds, None, None, floor - free)
            if not self.low_raised:
                self.low_raised = True
                await self._storage_event(free, floor, res)
        elif self.low_raised and free >= floor:
            self.low_raised = False
        res.seconds = loop.time() - t0
        self.last, self.sweeps = res, self.sweeps + 1
        if res.deleted:
            log.info(
                "retention: %s, %.1f MB freed in %.2f s",
                res.deleted,
                res.freed_bytes / 1e6,
                res.seconds,
            )
        return res

    async def _storage_event(self, free: int, floor: int, res: SweepResult) -> None:
        ev = Event.create(
            "video.trouble",
            STORAGE_SOURCE,
            payload={
                "state": "storage_low",
                "free_bytes": free,
                "floor_bytes": floor,
                "deleted": res.deleted.get("floor", 0),
                "error": "recording disk below the free-space floor: oldest recordings deleted",
            },
        )
        await self.platform.pipeline.submit(ev)

    def _read_holds_and_cameras(self, now: datetime) -> tuple[list[_Hold], list[tuple[int, int]]]:
        with self.platform.read_session() as s:
            holds = [
                _Hold(h.camera_id, h.start_at, h.end_at)
                for h in s.scalars(select(EvidenceHold).where(EvidenceHold.released_at.is_(None)))
            ]
            cams = [(c.id, c.retention_days) for c in s.scalars(select(Camera))]
        return holds, cams

    def _used_bytes(self) -> int:
        with self.platform.read_session() as s:
            return int(s.scalar(select(func.coalesce(func.sum(Segment.bytes), 0))) or 0)

    def _free_bytes(self) -> int:
        try:
            return shutil.disk_usage(self.root).free
        except OSError:
            return 1 << 62  # no root yet: nothing to free

    async def _delete_where(
        self,
        res: SweepResult,
        reason: str,
        holds: list[_Hold],
        camera_id: int | None,
        cutoff: datetime | None,
        need_bytes: int | None,
    ) -> None:
        """Delete segments oldest first in batches: files, then rows."""
        after: tuple[datetime, int] | None = None
        freed = 0
        while need_bytes is None or freed < need_bytes:
            rows = await asyncio.to_thread(self._batch, camera_id, cutoff, after)
            if not rows:
                return
            after = (rows[-1][3], rows[-1][0])
            doomed: list[tuple[int, str, int]] = []
            for seg_id, cam, path, start, end, size in rows:
                if any(h.covers(cam, start, end) for h in holds):
                    res.kept_by_hold += 1
                    continue
                doomed.append((seg_id, path, size))
                if need_bytes is not None:
                    freed += size
                    if freed >= need_bytes:
                        break
            if not doomed:
                continue
            really = await asyncio.to_thread(self._unlink, [p for _, p, _ in doomed])
            ids = [i for i, _, _ in doomed]
            await self.platform.writer.run(partial(_delete_rows, ids=ids))
            res.deleted[reason] = res.deleted.get(reason, 0) + len(ids)
            res.freed_bytes += really
            DELETED.labels(reason).inc(len(ids))

    def _batch(
        self, camera_id: int | None, cutoff: datetime | None, after: tuple[datetime, int] | None
    ) -> list[Any]:
        stmt = select(
            Segment.id,
            Segment.camera_id,
            Segment.path,
            Segment.start_at,
            Segment.end_at,
            Segment.bytes,
        )
        if camera_id is not None:
            stmt = stmt.where(Segment.camera_id == camera_id)
        if cutoff is not None:
            stmt = stmt.where(Segment.start_at < cutoff, Segment.end_at <= cutoff)
        if after is not None:
            # Keyset pagination: held segments stay behind without being read again.
            stmt = stmt.where(
                Segment.start_at >= after[0],
                or_(Segment.start_at > after[0], Segment.id > after[1]),
            )
        stmt = stmt.order_by(Segment.start_at, Segment.id).limit(BATCH)
        with self.platform.read_session() as s:
            return list(s.execute(stmt).all())

    def _unlink(self, paths: list[str]) -> int:
        freed = 0
        parents: set[Path] = set()
        for rel in paths:
            p = self.root / rel
            try:
                freed += p.stat().st_size
                p.unlink()
            except FileNotFoundError:
                continue  # deleted before a crash: the row goes now
            parents.add(p.parent)
        for d in parents:
            with contextlib.suppress(OSError):
                d.rmdir()  # only when empty: a day folder whose last segment went
        return freed


def _delete_rows(ctx: WriteContext, *, ids: list[int]) -> None:
    for i in range(0, len(ids), 900):
        ctx.session.execute(delete(Segment).where(Segment.id.in_(ids[i : i + 900])))
