"""Simulated cameras: a real RTSP server (GStreamer) on localhost, and the demo's cameras.

:class:`SimCameraServer` runs ``rtsp_sim_server.py`` with Debian's ``/usr/bin/python3``
(which owns the ``gi`` bindings) and steers it over stdin: ``stall``, ``drop``, ``up``
and ``corrupt`` a path, as a camera that freezes, dies, comes back or sends garbage.
Recording clients reach it only over RTSP, like any camera.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import queue
import subprocess
import tempfile
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from anfang.store.models import Device
from anfang.subsystems.video import service as svc
from anfang.subsystems.video.models import Camera
from anfang.subsystems.video.recorder import RECORDER, Recorder
from anfang.subsystems.video.schemas import CameraCreate, CameraUpdate

if TYPE_CHECKING:
    from anfang.subsystems import SimContext

log = logging.getLogger(__name__)

SERVER_SCRIPT = Path(__file__).with_name("rtsp_sim_server.py")
SYSTEM_PYTHON = os.environ.get("ANFANG_GST_PYTHON", "/usr/bin/python3")


@dataclass(frozen=True)
class StreamSpec:
    """One simulated stream: its path, picture and credentials."""

    path: str
    width: int = 640
    height: int = 360
    fps: int = 25
    kbps: int = 800
    codec: str = "h264"  # h264 | h265 | mjpeg
    gop: int = 25  # frames between keyframes
    seconds: int = 10  # length of the looped clip
    user: str = "admin"
    password: str = "admin"


class SimCameraServer:
    """A GStreamer RTSP server process serving looped clips (encoded once, cached)."""

    def __init__(
        self, streams: list[StreamSpec], cache_dir: Path, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.streams = {s.path: s for s in streams}
        self.cache_dir = cache_dir
        self.host = host
        self.port = port
        self._proc: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str] = queue.Queue()
        self._cfg: Path | None = None

    def start(self, timeout: float = 180.0) -> None:
        """Start the server; returns once it listens (raises with its output if it fails)."""
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="rtsp-sim-", suffix=".json")
        self._cfg = Path(name)
        with os.fdopen(fd, "w") as f:
            json.dump(
                {
                    "host": self.host,
                    "port": self.port,
                    "cache": str(self.cache_dir),
                    "mounts": [asdict(s) for s in self.streams.values()],
                },
                f,
            )
        self._proc = subprocess.Popen(
            [SYSTEM_PYTHON, str(SERVER_SCRIPT), name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        threading.Thread(target=self._read, daemon=True).start()
        line = self._expect("READY", timeout)
        self.port = int(line.split()[1])

    def _read(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        for line in self._proc.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put("EXIT")

    def _expect(self, prefix: str, timeout: float) -> str:
        seen: list[str] = []
        while True:
            try:
                line = self._lines.get(timeout=timeout)
            except queue.Empty:
                raise RuntimeError(f"simulated RTSP server: no {prefix} in {timeout} s") from None
            if line.startswith(prefix):
                return line
            if line == "EXIT" or line.startswith("ERROR"):
                out = "\n".join([*seen[-20:], line])
                raise RuntimeError(f"simulated RTSP server failed:\n{out}")
            seen.append(line)

    def url(self, path: str, *, credentials: bool = False) -> str:
        """The RTSP URL of ``path`` (with the stream's user and password if asked)."""
        auth = ""
        if credentials:
            s = self.streams[path]
            auth = f"{s.user}:{s.password}@"
        return f"rtsp://{auth}{self.host}:{self.port}{path}"

    def command(self, cmd: str, path: str, **extra: Any) -> None:
        """Send a control command and wait for the server to confirm it."""
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write(json.dumps({"cmd": cmd, "path": path, **extra}) + "\n")
        self._proc.stdin.flush()
        self._expect(f"OK {cmd} {path}", 10.0)

    def stall(self, path: str) -> None:
        """Keep the session but send nothing (a frozen camera)."""
        self.command("stall", path)

    def drop(self, path: str) -> None:
        """End the sessions and refuse the path (a camera gone from the network)."""
        self.command("drop", path)

    def up(self, path: str) -> None:
        """Serve the path normally again."""
        self.command("up", path)

    def corrupt(self, path: str, frames: int = 10) -> None:
        """Send ``frames`` frames of random bytes instead of video."""
        self.command("corrupt", path, frames=frames)

    def stop(self) -> None:
        """Stop the server (closing its stdin ends it)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if self._cfg is not None:
            self._cfg.unlink(missing_ok=True)


# ----------------------------------------------------------------- demo

# The demo streams every camera of the site (a camera listed but not streaming showed
# "no camera" in the wall: issue 17), and records the first DEMO_RECORDED, to keep the
# demo's disk and CPU small.
DEMO_RECORDED = 4


class DemoCameras:
    """The demo's simulated cameras, registered the way an installer would."""

    def __init__(self, ctx: SimContext, recorded: int = DEMO_RECORDED) -> None:
        self.ctx = ctx
        self.recorded = recorded
        self.server: SimCameraServer | None = None
        self._recorder: Any = None
        self._flaky: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start the RTSP server, register the cameras, and make sure recording runs."""
        missing = await asyncio.to_thread(gstreamer_missing)
        if missing:
            log.warning("demo: no simulated cameras: %s", missing)
            return
        platform = self.ctx.kernel
        with platform.read_session() as s:
            codes = list(
                s.scalars(select(Device.code).where(Device.type == "camera").order_by(Device.code))
            )
        if not codes:
            return
        streams: list[StreamSpec] = []
        for i, code in enumerate(codes):
            # Small pictures at a low rate keep the demo's CPU low: the clip is encoded
            # once and looped, so serving costs almost nothing. Cameras only watched live
            # get a smaller main stream.
            main = (640, 360, 15, 600) if i < self.recorded else (480, 270, 12, 300)
            streams.append(StreamSpec(f"/{code}/main", *main, gop=30, password="demo1234"))
            streams.append(
                StreamSpec(f"/{code}/sub", 320, 180, 10, 200, gop=20, password="demo1234")
            )
        self.server = SimCameraServer(streams, self.ctx.work_dir / "video-cache", self.ctx.host)
        await asyncio.to_thread(self.server.start)
        await self._register(codes)
        flaky = codes[min(self.recorded, len(codes)) - 1]
        self._flaky = asyncio.create_task(self._drop_now_and_then(f"/{flaky}/main"))
        if RECORDER not in platform.capabilities:
            # The demo records even where ANFANG_VIDEO_RECORDING is off.
            self._recorder = Recorder(platform)
            platform.capabilities.provide(RECORDER, self._recorder)
            platform.writer.hooks.append(self._recorder)
            await self._recorder.start()

    async def _register(self, codes: list[str]) -> None:
        assert self.server is not None
        platform = self.ctx.kernel
        with platform.read_session() as s:
            rows = s.execute(
                select(Camera.id, Device.code).join(Device, Device.id == Camera.device_id)
            ).all()
            existing = {row[1]: row[0] for row in rows}
        for i, code in enumerate(codes):
            main, sub = self.server.url(f"/{code}/main"), self.server.url(f"/{code}/sub")
            record = i < self.recorded
            if code in existing:
                change = CameraUpdate(main_url=main, sub_url=sub, record=record)
                await svc.update_camera(platform, "installer", existing[code], change)
                continue
            await svc.create_camera(
                platform,
                "installer",
                CameraCreate.model_validate(
                    {
                        "device_code": code,
                        "main_url": main,
                        "sub_url": sub,
                        "username": "admin",
                        "password": "demo1234",
                        "record": record,
                        "segment_seconds": 60,
                    }
                ),
            )

    async def _drop_now_and_then(self, path: str) -> None:
        # One camera leaves the network now and then and comes back 40 s later: the
        # console shows 视频丢失 raised and restored, and the recording gap.
        assert self.server is not None
        period = 900.0 / max(self.ctx.rate, 0.01)
        while True:
            await asyncio.sleep(period)
            await asyncio.to_thread(self.server.drop, path)
            await asyncio.sleep(40.0)
            await asyncio.to_thread(self.server.up, path)

    async def stop(self) -> None:
        """Stop recording (if the demo started it) and the RTSP server."""
        if self._flaky is not None:
            self._flaky.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flaky
        if self._recorder is not None:
            await self._recorder.stop()
        if self.server is not None:
            await asyncio.to_thread(self.server.stop)


def gstreamer_missing() -> str | None:
    """Why Debian's GStreamer RTSP server cannot run here, in one line; ``None`` if it can."""
    check = (
        "import gi; gi.require_version('Gst', '1.0'); gi.require_version('GstRtspServer', '1.0')"
    )
    try:
        done = subprocess.run(
            [SYSTEM_PYTHON, "-c", check], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{SYSTEM_PYTHON} cannot run ({exc})"
    if done.returncode == 0:
        return None
    last = (done.stderr.strip().splitlines() or ["unknown error"])[-1]
    return (
        f"GStreamer's RTSP server is not installed ({last}); install it with "
        "`sudo apt-get install gir1.2-gst-rtsp-server-1.0 python3-gst-1.0 "
        "gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly`"
    )


def make_demo_cameras(ctx: SimContext) -> DemoCameras | None:
    """The demo's simulated cameras (none when Debian's GStreamer Python is missing)."""
    if not Path(SYSTEM_PYTHON).exists():
        log.warning("no %s: the demo runs without simulated cameras", SYSTEM_PYTHON)
        return None
    return DemoCameras(ctx)
