"""Export of a recorded range to one MP4: packets copied (no re-encode), hashed with SHA-256.

The cut starts at the last keyframe at or before the requested start (a file that begins
between keyframes would not decode) and ends with the last packet before the end.
Timestamps come from each segment's indexed start time, so consecutive segments join
into one timeline and a gap stays a gap in time rather than being spliced shut.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import av

from anfang.core.writer import WriteContext
from anfang.subsystems.video.models import Camera, Export
from anfang.subsystems.video.playback import MediaError, resolve
from anfang.subsystems.video.store import segments_between

if TYPE_CHECKING:
    from anfang.kernel import Kernel

log = logging.getLogger(__name__)

KEPT_AUDIO = {"aac"}  # what the MP4 muxer and browsers take; G.711 would not play


@dataclass(frozen=True, slots=True)
class Source:
    """One recorded file and when its first packet was taken."""

    path: Path
    start_at: datetime


@dataclass(frozen=True, slots=True)
class Written:
    """The exported file's digest, size and packet count."""

    sha256: str
    bytes: int
    packets: int


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file, hex (blocking)."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def export_range(sources: list[Source], start: datetime, end: datetime, dest: Path) -> Written:
    """Remux the parts of ``sources`` inside ``[start, end]`` into ``dest`` (blocking)."""
    if not sources:
        raise MediaError(404, "no recording in that range")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".part")
    try:
        with av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as dst:
            out = _Out(dst)
            for src in sources:
                _copy(src, start, end, out)
        if out.frames == 0:
            raise MediaError(404, "the recordings hold no video in that range")
        tmp.replace(dest)
    except FileNotFoundError as exc:
        raise MediaError(410, f"a recording of the range is no longer on disk: {exc}") from exc
    except av.error.FFmpegError as exc:
        raise MediaError(422, f"the recordings cannot be remuxed: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return Written(sha256_file(dest), dest.stat().st_size, out.frames)


@dataclass
class _Out:
    """The output file, its streams, and where its timeline starts."""

    dst: av.container.OutputContainer
    streams: dict[str, av.stream.Stream] = field(default_factory=dict)
    last_dts: dict[str, int] = field(default_factory=dict)
    origin: datetime | None = None  # wall time of the first packet written: time zero
    frames: int = 0

    def mux(self, pkt: av.Packet[Any], wall: datetime, first: int) -> None:
        """Write ``pkt`` (whose stream started at ``wall``, its first dts ``first``)."""
        kind = pkt.stream.type
        tb: Fraction | None = pkt.time_base
        assert tb is not None and pkt.dts is not None and pkt.pts is not None
        if self.origin is None:
            self.origin = wall + timedelta(seconds=float((pkt.dts - first) * tb))
        base = round((wall - self.origin).total_seconds() / tb) - first
        pkt.dts += base
        pkt.pts += base
        if pkt.dts <= self.last_dts.get(kind, -(1 << 62)):
            return  # overlap between consecutive segments: keep time moving forward
        self.last_dts[kind] = pkt.dts
        pkt.stream = self.streams[kind]
        self.dst.mux(pkt)
        self.frames += kind == "video"


def _copy(src: Source, start: datetime, end: datetime, out: _Out) -> None:
    with av.open(str(src.path)) as inp:
        if not inp.streams.video:
            return
        streams: list[av.stream.Stream] = [inp.streams.video[0]]
        streams += [a for a in inp.streams.audio if a.codec_context.name in KEPT_AUDIO][:1]
        for s in streams:
            if s.type not in out.streams:
                out.streams[s.type] = out.dst.add_stream_from_template(s)
        firsts: dict[str, int] = {}
        from_s = (start - src.start_at).total_seconds()
        to_s = (end - src.start_at).total_seconds()
        # Until the start, keep the video since the latest keyframe: the cut begins there.
        gop: list[av.Packet[Any]] = []
        live = out.frames > 0 or from_s <= 0
        for pkt in inp.demux(*streams):
            if pkt.dts is None or pkt.pts is None or pkt.time_base is None:
                continue
            kind = pkt.stream.type
            first = firsts.setdefault(kind, pkt.dts)
            rel = float((pkt.pts - first) * pkt.time_base)
            if rel > to_s:
                if kind == "video":
                    break
                continue
            if not live:
                if kind != "video":
                    continue
                if rel < from_s:
                    if pkt.is_keyframe:
                        gop = [pkt]
                    elif gop:
                        gop.append(pkt)
                    continue
                live = True
                for held in gop:
                    out.mux(held, src.start_at, firsts["video"])
            if kind == "video" or out.frames:
                out.mux(pkt, src.start_at, first)


def export_json(e: Export, camera: str) -> dict[str, Any]:
    """An export as the API shows it."""
    return {
        "id": e.id,
        "camera": camera,
        "start": e.start_at.isoformat(),
        "end": e.end_at.isoformat(),
        "reason": e.reason,
        "created_by": e.created_by,
        "created_at": e.created_at.isoformat(),
        "state": e.state,
        "error": e.error,
        "sha256": e.sha256,
        "bytes": e.bytes,
    }


async def request_export(
    platform: Kernel,
    actor: str,
    camera: Camera,
    code: str,
    start: datetime,
    end: datetime,
    reason: str,
) -> dict[str, Any]:
    """Record the request (row + audit) and return it; the caller runs :func:`run_export`."""
    reason = reason.strip()
    if not reason:
        raise MediaError(422, "an export needs a reason")

    def job(ctx: WriteContext) -> dict[str, Any]:
        row = Export(
            camera_id=camera.id,
            start_at=start,
            end_at=end,
            reason=reason,
            created_by=actor,
            state="running",
        )
        ctx.session.add(row)
        ctx.session.flush()
        platform.audit.append(
            ctx,
            actor,
            "video.export.requested",
            code,
            {
                "export": row.id,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "reason": reason,
            },
        )
        return export_json(row, code)

    return await platform.writer.run(job)


async def run_export(
    platform: Kernel, root: Path, export_id: int, camera: Camera, code: str
) -> None:
    """Cut the export in a worker thread, then store its digest (row + audit) or its error."""

    def read() -> tuple[Export, list[Source]]:
        with platform.read_session() as s:
            row = s.get(Export, export_id)
            assert row is not None
            segs = segments_between(s, camera.id, row.start_at, row.end_at)
            return row, [Source(resolve(root, g.path), g.start_at) for g in segs]

    rel = ""
    try:
        row, sources = await asyncio.to_thread(read)
        rel = f"exports/{row.start_at:%Y%m%d}/{export_id}-{code}-{row.start_at:%H%M%S}.mp4"
        written = await asyncio.to_thread(
            export_range, sources, row.start_at, row.end_at, root / rel
        )
        error = ""
    except MediaError as exc:
        written, error = None, exc.message
    except Exception as exc:  # a failed export is reported on its row, never lost
        log.exception("export %s failed", export_id)
        written, error = None, f"export failed: {exc}"

    def done(ctx: WriteContext) -> None:
        row = ctx.session.get(Export, export_id)
        assert row is not None
        if written is None:
            row.state, row.error = "failed", error
            platform.audit.append(
                ctx, "system", "video.export.failed", code, {"export": export_id, "error": error}
            )
            return
        row.state, row.path, row.sha256, row.bytes = "done", rel, written.sha256, written.bytes
        platform.audit.append(
            ctx,
            row.created_by,
            "video.export",
            code,
            {
                "export": export_id,
                "start": row.start_at.isoformat(),
                "end": row.end_at.isoformat(),
                "reason": row.reason,
                "sha256": written.sha256,
                "bytes": written.bytes,
                "path": rel,
            },
        )

    await platform.writer.run(done)
