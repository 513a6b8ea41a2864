"""Export of a recorded range to one MP4: packets copied (no re-encode), hashed with SHA-256.

The cut starts at the last keyframe at or before the requested start (a file that begins
between keyframes would not decode) and ends with the last packet before the end.
Timestamps come from each segment's indexed start time, so consecutive segments join
into one timeline and a gap stays a gap in time rather than being spliced shut.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import av

from anfang.core.writer import WriteContext
from anfang.store.base import utcnow
from anfang.subsystems.video.models import Camera, Export
from anfang.subsystems.video.playback import MediaError
from anfang.subsystems.video.store import camera_code

if TYPE_CHECKING:
    from anfang.kernel import Kernel

log = logging.getLogger(__name__)

KEPT_AUDIO = {"aac"}  # what the MP4 muxer and browsers take; G.711 would not play


class ExportRequest(Protocol):
    """What an export request names (the API's ``ExportIn``)."""

    camera: str
    start: datetime
    end: datetime
    publication: bool


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
        "unit": e.unit,
        "requester": e.requester,
        "publication": e.publication,
        "created_by": e.created_by,
        "created_at": e.created_at.isoformat(),
        "approved_by": e.approved_by,
        "state": e.state,
        "error": e.error,
        "sha256": e.sha256,
        "bytes": e.bytes,
    }


def needs_approval(start: datetime, end: datetime, publication: bool, limit_minutes: float) -> bool:
    """Whether a second person must approve an export: for publication, or longer than the
    limit."""
    return publication or (end - start) > timedelta(minutes=limit_minutes)


async def request_export(
    platform: Kernel,
    actor: str,
    camera: Camera,
    data: ExportRequest,
    who: dict[str, Any],
) -> dict[str, Any]:
    """Record the request (row + audit) and return it: ``running`` (the caller runs
    :func:`run_export`) or ``awaiting_approval``."""
    reason = str(who["reason"])
    if not reason:
        raise MediaError(422, "an export needs a reason")
    waits = needs_approval(
        data.start, data.end, data.publication, platform.settings.video_export_approval_minutes
    )

    def job(ctx: WriteContext) -> dict[str, Any]:
        row = Export(
            camera_id=camera.id,
            start_at=data.start,
            end_at=data.end,
            reason=reason,
            unit=who["unit"],
            requester=who["requester"],
            publication=data.publication,
            created_by=actor,
            state="awaiting_approval" if waits else "running",
        )
        ctx.session.add(row)
        ctx.session.flush()
        platform.audit.append(
            ctx,
            actor,
            "video.export.requested",
            data.camera,
            {
                "export": row.id,
                "start": data.start.isoformat(),
                "end": data.end.isoformat(),
                "publication": data.publication,
                "awaiting_approval": waits,
                **who,
            },
        )
        return export_json(row, data.camera)

    return await platform.writer.run(job)


async def decide(
    platform: Kernel, actor: str, export_id: int, approve: bool, note: str
) -> tuple[dict[str, Any], Camera | None]:
    """A second person's approval (the export starts: ``running``) or rejection."""

    def job(ctx: WriteContext) -> tuple[dict[str, Any], Camera | None]:
        row = ctx.session.get(Export, export_id)
        if row is None:
            raise MediaError(404, f"no export {export_id}")
        if row.state != "awaiting_approval":
            raise MediaError(409, f"export {export_id} is {row.state}, not awaiting approval")
        if row.created_by == actor:
            raise MediaError(409, "a second person must approve an export, not the one who asked")
        cam = ctx.session.get(Camera, row.camera_id)
        code = camera_code(ctx.session, row.camera_id)
        row.state = "running" if approve else "rejected"
        row.approved_by, row.approved_at = actor, utcnow()
        action = "video.export.approved" if approve else "video.export.rejected"
        platform.audit.append(ctx, actor, action, code, {"export": export_id, "note": note})
        return export_json(row, code), cam

    return await platform.writer.run(job)
