"""Start-up clean-up of the storage root: files the index does not know.

A crash can leave ``.part`` files (segments cut short: deleted) and complete segments
that were renamed but not yet indexed (indexed now, their times read from the name and
the file). Folders of cameras that no longer exist are reported, never deleted. Only each
camera's two newest day folders are looked at: older ones cannot hold a crash's leftovers,
and a site with a million segments starts in milliseconds, not minutes.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import av
from sqlalchemy import select

from anfang.subsystems.video import index
from anfang.subsystems.video.models import Camera, Segment

if TYPE_CHECKING:
    from anfang.kernel import Kernel

log = logging.getLogger(__name__)


def parse_name(rel: str) -> datetime | None:
    """The start time encoded in a segment path ``<cam>/<YYYY-MM-DD>/<HHMMSS>-<ms>.mp4``."""
    try:
        _, day, name = rel.split("/")
        stem = name.removesuffix(".mp4")
        hms, ms = stem.split("-")
        t = datetime.strptime(f"{day} {hms}", "%Y-%m-%d %H%M%S").replace(tzinfo=UTC)
        return t + timedelta(milliseconds=int(ms))
    except ValueError:
        return None


def probe(path: Path) -> tuple[float, str] | None:
    """A segment file's duration in seconds and codec, or None if it is not playable."""
    try:
        with av.open(str(path)) as c:
            v = c.streams.video[0]
            if v.duration is not None and v.time_base is not None:
                seconds = float(v.duration * v.time_base)
            elif c.duration is not None:
                seconds = c.duration / 1_000_000
            else:
                return None
            return seconds, v.codec_context.name
    except Exception:
        return None


def _scan(root: Path, camera_ids: set[int]) -> tuple[list[Path], list[str], list[Path]]:
    """(.part files, candidate complete files, folders of unknown cameras)."""
    parts: list[Path] = []
    files: list[str] = []
    stale: list[Path] = []
    if not root.is_dir():
        return parts, files, stale
    for cam_dir in root.iterdir():
        if not cam_dir.is_dir() or not cam_dir.name.isdigit():
            continue
        if int(cam_dir.name) not in camera_ids:
            stale.append(cam_dir)
            continue
        days = sorted(d for d in cam_dir.iterdir() if d.is_dir())[-2:]
        for day in days:
            for f in day.iterdir():
                if f.name.endswith(".part"):
                    parts.append(f)
                elif f.name.endswith(".mp4"):
                    files.append(f"{cam_dir.name}/{day.name}/{f.name}")
    return parts, files, stale


def _unindexed(platform: Kernel, root: Path) -> tuple[int, list[str], list[Path]]:
    """Remove ``.part`` files; the complete files the index lacks; unknown cameras' folders."""
    with platform.read_session() as s:
        camera_ids = set(s.scalars(select(Camera.id)))
    parts, files, stale = _scan(root, camera_ids)
    for p in parts:
        p.unlink(missing_ok=True)
    known: set[str] = set()
    with platform.read_session() as s:
        for chunk in range(0, len(files), 900):
            part = files[chunk : chunk + 900]
            known.update(s.scalars(select(Segment.path).where(Segment.path.in_(part))))
    return len(parts), [f for f in files if f not in known], stale


def _describe(root: Path, rel: str) -> dict[str, Any] | None:
    """A segment report for an unindexed file, or None (the file is then deleted)."""
    start = parse_name(rel)
    info = probe(root / rel)
    if start is None or info is None:
        (root / rel).unlink(missing_ok=True)
        return None
    seconds, codec = info
    return {
        "cam": int(rel.split("/")[0]),
        "start": start,
        "end": start + timedelta(seconds=seconds),
        "bytes": (root / rel).stat().st_size,
        "path": rel,
        "codec": codec,
    }


async def cleanup_orphans(platform: Kernel, root: Path) -> dict[str, int]:
    """Delete ``.part`` files, index unindexed segments, report unknown cameras' folders."""
    parts, files, stale = await asyncio.to_thread(_unindexed, platform, root)
    for d in stale:
        # Never delete recordings automatically on a guess: say so and leave them.
        log.warning("recordings folder %s belongs to no camera; left in place", d)
    indexed = 0
    for rel in files:
        msg = await asyncio.to_thread(_describe, root, rel)
        if msg is None:
            continue
        await platform.writer.run(partial(index.add_segment, msg=msg))
        indexed += 1
    if parts or stale or indexed:
        log.info(
            "recordings clean-up: %d partial files removed, %d unknown camera folders, "
            "%d segments indexed",
            parts,
            len(stale),
            indexed,
        )
    return {"parts": parts, "stale": len(stale), "indexed": indexed}
