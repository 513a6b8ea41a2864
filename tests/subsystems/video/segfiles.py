"""Short H.264 test recordings made with Debian's ffmpeg, and Segment rows pointing at them."""

from __future__ import annotations

import atexit
import shutil
import subprocess
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from anfang.app.platform import Platform
from anfang.core.writer import WriteContext
from anfang.store.models import Device, Site
from anfang.subsystems.video.models import Camera, Segment

FFMPEG = "/usr/bin/ffmpeg"


_CACHE = Path(tempfile.mkdtemp(prefix="anfang-test-clips-"))
atexit.register(shutil.rmtree, _CACHE, True)


def make_clip(
    dest: Path,
    seconds: float,
    *,
    source: str = "testsrc2",
    size: str = "320x240",
    rate: int = 25,
    gop: int = 25,
) -> Path:
    """``seconds`` of a moving lavfi test pattern as H.264 in ``dest`` (.mp4 or .ts); each
    kind of clip is encoded once per test run and copied."""
    key = f"{source}-{size}-{rate}-{gop}-{seconds}{dest.suffix}".replace("/", "_")
    cached = _CACHE / key.replace("=", "_").replace(":", "_")
    if not cached.exists():
        tmp = cached.with_name("part-" + cached.name)
        subprocess.run(
            [
                FFMPEG,
                "-hide_banner",
                "-loglevel",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                f"{source}{':' if '=' in source else '='}size={size}:rate={rate}",
                "-t",
                str(seconds),
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-tune",
                "zerolatency",
                "-g",
                str(gop),
                "-pix_fmt",
                "yuv420p",
                "-f",
                "mpegts" if dest.suffix == ".ts" else "mp4",
                str(tmp),
            ],
            check=True,
            timeout=60,
        )
        tmp.replace(cached)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(cached, dest)
    return dest


def make_segments(
    root: Path, code: str, start: datetime, count: int, seconds: float = 2.0, ext: str = "mp4"
) -> list[tuple[str, datetime, datetime, int]]:
    """``count`` consecutive files under ``root/code``: (relative path, start, end, bytes)."""
    out = []
    for i in range(count):
        at = start + timedelta(seconds=i * seconds)
        rel = f"{code}/{at:%Y%m%d}/{at:%H%M%S}.{ext}"
        path = make_clip(root / rel, seconds)
        out.append((rel, at, at + timedelta(seconds=seconds), path.stat().st_size))
    return out


async def add_camera(
    platform: Platform,
    code: str,
    main_url: str = "rtsp://127.0.0.1:1/main",
    sub_url: str | None = None,
    analyse: bool = False,
) -> int:
    """A site-model camera device and its video settings; returns the camera id."""

    def job(ctx: WriteContext) -> int:
        s = ctx.session
        site = s.query(Site).first()
        if site is None:
            site = Site(code="T", name="测试")
            s.add(site)
            s.flush()
        dev = Device(site_id=site.id, code=code, name=code, type="camera", subsystem="video")
        s.add(dev)
        s.flush()
        cam = Camera(device_id=dev.id, main_url=main_url, sub_url=sub_url, analyse=analyse)
        s.add(cam)
        s.flush()
        ctx.mark_changed("devices")
        return cam.id

    return await platform.writer.run(job)


async def add_segments(
    platform: Platform, camera_id: int, segs: list[tuple[str, datetime, datetime, int]]
) -> None:
    """Index ``segs`` as the recorder would."""

    def job(ctx: WriteContext) -> None:
        for rel, a, b, n in segs:
            ctx.session.add(Segment(camera_id=camera_id, start_at=a, end_at=b, bytes=n, path=rel))

    await platform.writer.run(job)
