"""The video viewing component: playback sessions, exports, live relays, event media, health.

Registers the linkage actions ``snapshot`` (a JPEG: one keyframe decoded from the live
sub stream, else from the latest recorded segment) and ``clip`` (pre-roll from the
recorded segments, then the post-roll once it is recorded, remuxed to one MP4). Each
stored file gets an :class:`AlarmMedia` row with its SHA-256 and an evidence hold over
its range, so retention keeps the recordings behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from anfang.core.capabilities import Key
from anfang.core.events import Event
from anfang.core.linkage import LinkageRequest
from anfang.core.writer import WriteContext
from anfang.store.models import Device
from anfang.subsystems.video.adapters.rtsp import with_credentials
from anfang.subsystems.video.export import Source, export_range, sha256_file
from anfang.subsystems.video.export_jobs import ExportProgress
from anfang.subsystems.video.health import HealthSupervisor
from anfang.subsystems.video.live import LiveHub
from anfang.subsystems.video.models import AlarmMedia, Camera, EvidenceHold, Export, Segment
from anfang.subsystems.video.playback import MediaError, Sessions, resolve, still_jpeg
from anfang.subsystems.video.service import password_purpose
from anfang.subsystems.video.store import camera_by_code, segments_between, storage_root

if TYPE_CHECKING:
    from anfang.kernel import Kernel

log = logging.getLogger(__name__)
RESCAN_S = 30.0


class MediaService:
    """What the video viewing API and the linkage handlers share."""

    def __init__(self, platform: Kernel) -> None:
        self.platform = platform
        self.root = storage_root(platform.settings)
        self.sessions = Sessions()
        self.live = LiveHub()
        self.health = HealthSupervisor(self._on_health)
        self.clip_wait_extra_s = 15.0
        self.export_progress = ExportProgress()
        self._tasks: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        """Take the linkage actions and start watching analysed cameras."""
        await self.platform.writer.run(_fail_interrupted_exports)
        self.platform.linkage.register("snapshot", self.snapshot)
        self.platform.linkage.register("clip", self.clip)
        self.spawn(self._rescan_loop())

    async def stop(self) -> None:
        """Give the actions back, stop relays, workers and running jobs."""
        self.platform.linkage.unregister("snapshot")
        self.platform.linkage.unregister("clip")
        for t in list(self._tasks):
            t.cancel()
        for t in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        await self.live.stop()
        await self.health.stop()

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run ``coro`` as a task this component cancels on stop."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # ---------------------------------------------------------------- cameras

    def stream_url(self, cam: Camera, code: str, main: bool = False) -> str:
        """The camera's sub (or main) stream URL with its credentials."""
        url = cam.main_url if main or not cam.sub_url else cam.sub_url
        password = None
        if cam.password_sealed:
            sealed = self.platform.secrets.open(cam.password_sealed, password_purpose(code))
            password = sealed.decode()
        return with_credentials(url, cam.username, password)

    async def read(self, fn: Any) -> Any:
        """Run ``fn(session)`` on a read session in a thread (reads block)."""

        def run() -> Any:
            with self.platform.read_session() as s:
                return fn(s)

        return await asyncio.to_thread(run)

    async def refresh_health(self) -> None:
        """Run one analysis worker per analysed camera now (cameras added or changed)."""
        self.health.sync(await self.read(self._analysed))

    async def _rescan_loop(self) -> None:
        while True:
            try:
                await self.refresh_health()
            except Exception:
                log.exception("video health: cannot read the cameras")
            await asyncio.sleep(RESCAN_S)

    def _analysed(self, s: Any) -> dict[str, str]:
        rows = s.execute(
            select(Camera, Device.code)
            .join(Device, Device.id == Camera.device_id)
            .where(Camera.analyse.is_(True), Camera.sub_url.is_not(None))
        )  # only the sub stream is decoded for analysis: no sub stream, no analysis
        return {code: self.stream_url(cam, code) for cam, code in rows}

    async def _on_health(self, code: str, condition: str, raised: bool) -> None:
        kind = "video.tamper" if raised else "video.restore"
        payload = {"condition": condition, "of": "video.tamper"}
        try:
            await self.platform.pipeline.submit(Event.create(kind, code, payload=payload))
        except Exception:
            log.exception("video health: cannot store %s for %s", kind, code)

    # ---------------------------------------------------------------- linkage

    async def snapshot(self, req: LinkageRequest) -> list[dict[str, Any]]:
        """Linkage ``snapshot``: a JPEG of each camera, stored and held."""
        out = []
        for code in req.cameras:
            cam = await self.read(lambda s, c=code: camera_by_code(s, c))
            if cam is None:
                log.info("snapshot for alarm %s: no camera %s", req.alarm_id, code)
                continue
            latest = await self.read(lambda s, c=cam: _latest_segment(s, c.id))
            sources = [self.stream_url(cam, code)]
            if latest is not None:
                sources.append(str(resolve(self.root, latest)))
            rel = f"media/{req.alarm_id}/{code}-snapshot-{req.event_id}.jpg"
            try:
                await asyncio.to_thread(still_jpeg, sources, self.root / rel)
            except MediaError as exc:
                log.warning("snapshot of %s for alarm %s: %s", code, req.alarm_id, exc.message)
                continue
            margin = timedelta(seconds=60)
            out.append(
                await self._store(
                    req, cam.id, code, "snapshot", rel, req.at - margin, req.at + margin
                )
            )
        return out

    async def clip(self, req: LinkageRequest) -> list[dict[str, Any]]:
        """Linkage ``clip(pre_s, post_s)``: the recorded range around the alarm as MP4."""
        pre = float(req.params.get("pre_s", 10))
        post = float(req.params.get("post_s", 20))
        start, end = req.at - timedelta(seconds=pre), req.at + timedelta(seconds=post)
        out = []
        for code in req.cameras:
            cam = await self.read(lambda s, c=code: camera_by_code(s, c))
            if cam is None:
                continue
            # Hold first: retention must not take the pre-roll while we wait for the rest.
            await self._hold(req, cam.id, start, end)
            await self._wait_recorded(cam, end, post + cam.segment_seconds)
            segs = await self.read(lambda s, c=cam: segments_between(s, c.id, start, end))
            rel = f"media/{req.alarm_id}/{code}-clip-{req.event_id}.mp4"
            sources = [Source(resolve(self.root, g.path), g.start_at) for g in segs]
            try:
                await asyncio.to_thread(export_range, sources, start, end, self.root / rel)
            except MediaError as exc:
                log.warning("clip of %s for alarm %s: %s", code, req.alarm_id, exc.message)
                continue
            out.append(await self._store(req, cam.id, code, "clip", rel, start, end, hold=False))
        return out

    async def _wait_recorded(self, cam: Camera, end: datetime, budget_s: float) -> None:
        # The post-roll is in the index once the recorder closes its segment.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + budget_s + self.clip_wait_extra_s
        while loop.time() < deadline:
            last = await self.read(
                lambda s: s.scalar(
                    select(func.max(Segment.end_at)).where(Segment.camera_id == cam.id)
                )
            )
            if last is not None and last >= end:
                return
            await asyncio.sleep(1.0)

    async def _hold(
        self, req: LinkageRequest, camera_id: int, start: datetime, end: datetime
    ) -> None:
        def job(ctx: WriteContext) -> None:
            ctx.session.add(
                EvidenceHold(
                    camera_id=camera_id,
                    start_at=start,
                    end_at=end,
                    alarm_id=req.alarm_id,
                    reason=f"alarm {req.alarm_id}",
                    created_by="linkage",
                )
            )

        await self.platform.writer.run(job)

    async def _store(
        self,
        req: LinkageRequest,
        camera_id: int,
        code: str,
        kind: str,
        rel: str,
        start: datetime,
        end: datetime,
        *,
        hold: bool = True,
    ) -> dict[str, Any]:
        path = self.root / rel
        digest = await asyncio.to_thread(sha256_file, path)
        size = path.stat().st_size

        def job(ctx: WriteContext) -> dict[str, Any]:
            row = AlarmMedia(
                alarm_id=req.alarm_id,
                event_id=req.event_id,
                camera_id=camera_id,
                kind=kind,
                path=rel,
                sha256=digest,
                bytes=size,
                start_at=start,
                end_at=end,
            )
            ctx.session.add(row)
            if hold:
                ctx.session.add(
                    EvidenceHold(
                        camera_id=camera_id,
                        start_at=start,
                        end_at=end,
                        alarm_id=req.alarm_id,
                        reason=f"alarm {req.alarm_id}",
                        created_by="linkage",
                    )
                )
            ctx.session.flush()
            ref = {
                "media_id": row.id,
                "kind": kind,
                "camera": code,
                "sha256": digest,
                "url": f"/api/v1/video/media/{row.id}",
            }
            ctx.publish("video.media", {"alarm_id": req.alarm_id, **ref})
            return ref

        return await self.platform.writer.run(job)


def _latest_segment(s: Any, camera_id: int) -> str | None:
    path: str | None = s.scalar(
        select(Segment.path)
        .where(Segment.camera_id == camera_id)
        .order_by(Segment.start_at.desc())
        .limit(1)
    )
    return path


def _fail_interrupted_exports(ctx: WriteContext) -> None:
    # An export running when the process stopped will not finish: say so on its row.
    for row in ctx.session.scalars(select(Export).where(Export.state == "running")):
        row.state, row.error = "failed", "interrupted by a restart; export again"


MEDIA: Key[MediaService] = Key("video.media")
