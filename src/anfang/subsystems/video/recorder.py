"""The recorder component: worker processes record, the platform side indexes and alarms.

Recording runs in worker processes (:mod:`anfang.subsystems.video.worker`, held by
:mod:`.workers`), never on the event loop. Their reports come back over pipes; here they
become segment and gap rows (through the writer), camera and device states, and events:
``video.loss`` after ``video_loss_seconds`` without packets and ``video.restore`` on
return, ``video.trouble`` (a fault alarm) for wrong credentials, unsupported codecs and
storage failures, and ``video.recording_gap`` when a gap closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from prometheus_client import Counter, Gauge
from sqlalchemy.orm import Session

from anfang.core.capabilities import Key
from anfang.core.events import Event
from anfang.core.secretbox import SecretError
from anfang.core.writer import WriteContext
from anfang.store.base import utcnow
from anfang.subsystems.video import index
from anfang.subsystems.video.retention import RetentionSweeper
from anfang.subsystems.video.store import storage_root
from anfang.subsystems.video.workers import WorkerPool

if TYPE_CHECKING:
    from anfang.kernel import Kernel

log = logging.getLogger(__name__)

SEGMENTS = Counter("anfang_video_segments_total", "Recorded segments indexed")
DROPPED = Counter("anfang_video_packets_dropped_total", "Camera packets refused as corrupt")
CAMERAS = Gauge("anfang_video_cameras", "Recorded cameras by state", ["state"])
WORKER_RESTARTS = Counter("anfang_video_worker_restarts_total", "Recording workers restarted")
FAILURES = Counter("anfang_video_stream_failures_total", "Camera stream failures", ["state"])

# States that are the camera's or the recorder's fault, not a lost stream: a fault alarm.
FAULT_STATES = frozenset({"unauthorized", "unsupported", "disk_full", "storage_error"})
TOPIC = "video_cameras"


@dataclass
class CamStatus:
    """What the platform knows of one recorded camera right now."""

    id: int
    code: str
    job: dict[str, Any]
    state: str = "connecting"
    error: str = ""
    down_since: datetime | None = None
    loss_raised: bool = False
    fault_raised: str = ""
    last_segment_end: datetime | None = None


RECORDER: Key[Recorder] = Key("video.recorder")


class Recorder:
    """Spawns the recording workers, hands them cameras, and turns reports into records."""

    def __init__(self, platform: Kernel) -> None:
        self.platform = platform
        self.settings = platform.settings
        self.root = storage_root(platform.settings)
        self.cams: dict[int, CamStatus] = {}
        self.retention = RetentionSweeper(platform, self.root)
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.workers = WorkerPool(self.root, self._queue)
        self._reload = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._byes = 0
        self._stopping = False
        self._states_seen: set[str] = set()
        self._all_bye = asyncio.Event()

    # ------------------------------------------------------------- writer hook

    def load(self, session: Session) -> None:
        """Nothing cached from the database on the writer thread."""

    def prepare(self, ctx: WriteContext, events: list[Event]) -> list[Event]:
        """The recorder adds nothing to events."""
        return []

    def after_insert(self, ctx: WriteContext, events: list[Event]) -> None:
        """Nothing to do after events are stored."""

    def on_changed(self, ctx: WriteContext, topics: set[str]) -> None:
        """Camera edits: reload the recorded set (on the event loop, once committed)."""
        loop = self._loop
        if TOPIC in topics and loop is not None:
            # After the commit: a reload reading before it would miss the edit for good.
            def wake() -> None:
                with contextlib.suppress(RuntimeError):  # the loop has closed: nothing to do
                    loop.call_soon_threadsafe(self._reload.set)

            ctx.after_commit(wake)

    # ------------------------------------------------------------- component

    async def start(self) -> None:
        """Clean up after a crash, start the workers and the loops."""
        self._loop = asyncio.get_running_loop()
        self.root.mkdir(parents=True, exist_ok=True)
        await self.retention.cleanup_orphans()
        self._tasks = [
            asyncio.create_task(self._consume(), name="video-reports"),
            asyncio.create_task(self._supervise(), name="video-supervise"),
            asyncio.create_task(self.retention.run_forever(), name="video-retention"),
        ]
        self._reload.set()

    async def stop(self) -> None:
        """Stop the workers (they finish their open segments) and index what they report."""
        self._stopping = True
        # First the loops that start or replace workers: once stopping, none may start a
        # new one (a worker spawned after SIGTERM kept `anfang serve` running: issue 14).
        for task in self._tasks[1:]:
            task.cancel()
        self.workers.send_all({"op": "stop"})
        if self.workers:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(20):
                    await self._all_bye.wait()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        while not self._queue.empty():  # reports that arrived before the workers said bye
            await self._handle(self._queue.get_nowait())
        await self.workers.close()
        await self.platform.writer.run(lambda ctx: index.close_open_gaps(ctx, utcnow()))

    # ------------------------------------------------------------- cameras

    async def reload(self) -> None:
        """Read the cameras to record and hand each worker its share."""
        if self._stopping:
            return
        rows = await asyncio.to_thread(self._read_cameras)
        if self._stopping:  # stop() began while the cameras were read
            return
        wanted: dict[int, CamStatus] = {}
        now = utcnow()
        for cam_id, code, job in rows:
            old = self.cams.get(cam_id)
            if old is not None and old.job == job:
                wanted[cam_id] = old
            elif old is not None:  # changed settings: a new connection, same alarms
                old.job, old.code, old.state = job, code, "connecting"
                old.down_since = old.down_since or now
                wanted[cam_id] = old
            else:
                wanted[cam_id] = CamStatus(cam_id, code, job, down_since=now)
        self.cams = wanted
        if not wanted and not self.workers:
            return  # no camera: no process either
        self.workers.grow(self.settings.video_workers)
        for slot in range(len(self.workers)):
            self._hand_out(slot)

    def _hand_out(self, slot: int) -> None:
        n = len(self.workers)
        mine = [c.job for c in self.cams.values() if c.id % n == slot]
        self.workers.send(slot, {"op": "set", "cameras": mine})

    def _read_cameras(self) -> list[tuple[int, str, dict[str, Any]]]:
        out: list[tuple[int, str, dict[str, Any]]] = []
        with self.platform.read_session() as session:
            for cam, dev in index.recorded_cameras(session):
                password = None
                if cam.password_sealed is not None:
                    try:
                        password = self.platform.secrets.open(
                            cam.password_sealed, f"camera:{dev.code}"
                        ).decode()
                    except SecretError:
                        log.error("camera %s: password does not open; recorded without", dev.code)
                job = {
                    "id": cam.id,
                    "url": cam.main_url,
                    "username": cam.username,
                    "password": password,
                    "segment_seconds": float(cam.segment_seconds),
                    "read_timeout": min(5.0, self.settings.video_loss_seconds / 2),
                    "backoff_max": self.settings.video_reconnect_max_seconds,
                }
                out.append((cam.id, dev.code, job))
        return out

    async def _respawn(self, slot: int) -> None:
        """A worker died (killed, crashed): its cameras are lost until a new one records."""
        if self._stopping:
            return
        log.error("recording worker %d ended unexpectedly; starting a new one", slot)
        WORKER_RESTARTS.inc()
        now = utcnow()
        n = len(self.workers)
        for cam in self.cams.values():
            if cam.id % n != slot or cam.state != "recording":
                continue
            gap = {"cam": cam.id, "start": cam.last_segment_end or now, "reason": "worker died"}
            await self.platform.writer.run(partial(index.open_gap, msg=gap))
            await self._on_state(cam, "lost", "recording process died", None)
        await self.workers.replace(slot)
        self._hand_out(slot)

    # ------------------------------------------------------------- reports

    async def _consume(self) -> None:
        while True:
            msg = await self._queue.get()
            try:
                await self._handle(msg)
            except Exception:
                log.exception("video report %r failed", msg.get("t"))

    async def _handle(self, msg: dict[str, Any]) -> None:
        kind = msg.get("t")
        if kind == "bye":
            if not self._stopping:
                await self._respawn(int(msg["w"]))
                return
            self._byes += 1
            if self._byes >= len(self.workers):
                self._all_bye.set()
            return
        cam = self.cams.get(int(msg.get("cam", -1)))
        if cam is None:
            # A camera switched off meanwhile: its last segment is still a real file (index
            # it) and its state says it no longer records.
            if kind == "segment":
                await self.platform.writer.run(partial(index.add_segment, msg=msg))
            elif kind == "state" and msg["state"] == "stopped":
                await self.platform.writer.run(
                    lambda ctx: index.set_camera_state(ctx, int(msg["cam"]), "off", "", None)
                )
            return
        if kind == "segment":
            SEGMENTS.inc()
            DROPPED.inc(int(msg.get("dropped", 0)))
            msg["first"] = cam.last_segment_end is None
            cam.last_segment_end = msg["end"]
            await self.platform.writer.run(partial(index.add_segment, msg=msg))
        elif kind == "gap_open":
            await self.platform.writer.run(lambda ctx: index.open_gap(ctx, msg=msg))
        elif kind == "gap_close":
            gap = await self.platform.writer.run(lambda ctx: index.close_gap(ctx, msg))
            if gap is not None:
                await self._submit(cam, "video.recording_gap", gap)
        elif kind == "state":
            await self._on_state(cam, msg["state"], msg.get("error", ""), msg.get("codec"))

    async def _on_state(self, cam: CamStatus, state: str, error: str, codec: str | None) -> None:
        prev = cam.state
        cam.state, cam.error = state, error
        self._count_states()
        await self.platform.writer.run(
            lambda ctx: index.set_camera_state(ctx, cam.id, state, error, codec)
        )
        if state == "recording":
            cam.down_since = None
            closed = await self.platform.writer.run(
                lambda ctx: index.close_gap(ctx, {"cam": cam.id, "end": utcnow()})
            )
            if closed is not None:  # a gap the worker could not know of (it was restarted)
                await self._submit(cam, "video.recording_gap", closed)
            if cam.loss_raised or cam.fault_raised:
                after = "video.loss" if cam.loss_raised else "video.trouble"
                cam.loss_raised, cam.fault_raised = False, ""
                await self.platform.writer.run(
                    lambda ctx: index.set_device_state(ctx, cam.code, "online")
                )
                await self._submit(cam, "video.restore", {"after": after})
            return
        if state in ("connecting", "stopped"):
            return
        FAILURES.labels(state).inc()
        if state == "disk_full":
            self.retention.request()  # the emergency floor frees space now, not in minutes
        if prev == "recording" or cam.down_since is None:
            cam.down_since = utcnow()
        if state in FAULT_STATES and cam.fault_raised != state:
            cam.fault_raised = state
            # State first: the device tracker then keeps "fault" for the event. (For a
            # loss the event goes first: an event from an "offline" device means online.)
            await self._device_state(cam.code, "fault")
            await self._submit(cam, "video.trouble", {"state": state, "error": error})

    def _count_states(self) -> None:
        counts: dict[str, int] = dict.fromkeys(self._states_seen, 0)
        for c in self.cams.values():
            counts[c.state] = counts.get(c.state, 0) + 1
        for state, n in counts.items():
            CAMERAS.labels(state).set(n)
        self._states_seen.update(counts)

    async def _submit(self, cam: CamStatus, kind: str, payload: dict[str, Any]) -> None:
        ev = Event.create(kind, cam.code, payload={"camera_id": cam.id, **payload})
        await self.platform.pipeline.submit(ev)

    # ------------------------------------------------------------- loss supervision

    async def _supervise(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):
                    await self._reload.wait()
            if self._reload.is_set():
                self._reload.clear()
                try:
                    await self.reload()
                except Exception:
                    log.exception("reloading cameras failed")
            await self.check_loss()

    async def check_loss(self) -> None:
        """Raise ``video.loss`` for every camera silent longer than ``video_loss_seconds``."""
        limit = timedelta(seconds=self.settings.video_loss_seconds)
        now = utcnow()
        for cam in list(self.cams.values()):
            if cam.loss_raised or cam.fault_raised or cam.down_since is None:
                continue
            if cam.state == "recording" or now - cam.down_since < limit:
                continue
            cam.loss_raised = True
            since = cam.down_since.isoformat()
            await self._submit(
                cam, "video.loss", {"state": cam.state, "error": cam.error, "since": since}
            )
            await self._device_state(cam.code, "offline")

    async def _device_state(self, code: str, state: str) -> None:
        def job(ctx: WriteContext) -> None:
            index.set_device_state(ctx, code, state)

        await self.platform.writer.run(job)

    def status(self, camera_id: int) -> dict[str, Any] | None:
        """The live status of a recorded camera (None if the recorder does not hold it)."""
        cam = self.cams.get(camera_id)
        if cam is None:
            return None
        return {
            "state": cam.state,
            "error": cam.error,
            "down_since": cam.down_since,
            "loss_alarm": cam.loss_raised,
            "fault": cam.fault_raised or None,
        }
