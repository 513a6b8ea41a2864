"""Playback of recordings: a session per viewer and range, segments remuxed to fragmented MP4.

The console plays with Media Source Extensions (Chromium has no native HLS): it opens a
session (audited once), then fetches each recorded segment as one fragmented MP4 whose
timestamps start at zero, placing it on the timeline with ``timestampOffset``. Holes
between segments are gaps the player jumps over. Remuxing copies packets (no decode).
"""

from __future__ import annotations

import io
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import av
from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.core.errors import DomainError
from anfang.subsystems.video.adapters.rtsp import redact, redact_text
from anfang.subsystems.video.models import Gap
from anfang.subsystems.video.store import segments_between

FRAGMENTED = {"movflags": "frag_keyframe+empty_moov+default_base_moof"}
MAX_RANGE_S = 24 * 3600
SESSION_TTL_S = 4 * 3600.0


class MediaError(DomainError):
    """A request about recordings that cannot be served, with its HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True)
class PlaySegment:
    """One recorded file on a playback timeline."""

    start_at: datetime
    end_at: datetime
    path: str
    bytes: int


@dataclass(slots=True)
class PlaybackSession:
    """What one viewer opened: a camera, a range, the segments found, and the holes."""

    id: str
    user_id: int
    actor: str
    camera_id: int
    camera: str
    start: datetime
    end: datetime
    segments: list[PlaySegment]
    gaps: list[tuple[datetime, datetime, str]]
    expires: float = field(default_factory=lambda: time.monotonic() + SESSION_TTL_S)

    def to_json(self) -> dict[str, Any]:
        """The session as the console reads it (offsets in seconds from ``start``)."""
        return {
            "id": self.id,
            "camera": self.camera,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "segments": [
                {
                    "index": i,
                    "start": s.start_at.isoformat(),
                    "end": s.end_at.isoformat(),
                    "offset": (s.start_at - self.start).total_seconds(),
                    "duration": (s.end_at - s.start_at).total_seconds(),
                    "bytes": s.bytes,
                }
                for i, s in enumerate(self.segments)
            ],
            "gaps": [
                {"start": a.isoformat(), "end": b.isoformat(), "reason": why}
                for a, b, why in self.gaps
            ],
        }


def check_range(start: datetime, end: datetime) -> None:
    """Reject naive, empty, reversed or too long ranges (422)."""
    if start.tzinfo is None or end.tzinfo is None:
        raise MediaError(422, "start and end must carry a time zone")
    if end <= start:
        raise MediaError(422, "end must be after start")
    if (end - start).total_seconds() > MAX_RANGE_S:
        raise MediaError(422, f"a range may span at most {MAX_RANGE_S // 3600} hours")


def plan(
    session: Session, camera_id: int, start: datetime, end: datetime
) -> tuple[list[PlaySegment], list[tuple[datetime, datetime, str]]]:
    """The segments overlapping ``[start, end)`` and the holes between them (with reasons)."""
    segs = [
        PlaySegment(s.start_at, s.end_at, s.path, s.bytes)
        for s in segments_between(session, camera_id, start, end)
    ]
    recorded_gaps = list(
        session.execute(
            select(Gap.start_at, Gap.end_at, Gap.reason).where(
                Gap.camera_id == camera_id,
                Gap.start_at < end,
                (Gap.end_at.is_(None)) | (Gap.end_at > start),
            )
        )
    )
    holes: list[tuple[datetime, datetime, str]] = []
    cursor = start
    for s in segs:
        if s.start_at > cursor:
            holes.append((cursor, s.start_at, _reason(recorded_gaps, cursor, s.start_at)))
        cursor = max(cursor, s.end_at)
    if cursor < end:
        holes.append((cursor, end, _reason(recorded_gaps, cursor, end)))
    return segs, holes


def _reason(gaps: list[Any], a: datetime, b: datetime) -> str:
    for g_start, g_end, why in gaps:
        if g_start < b and (g_end is None or g_end > a):
            return str(why) or "gap"
    return "not recorded"


class Sessions:
    """Open playback sessions, in memory (a restart asks the console to open a new one)."""

    def __init__(self, max_sessions: int = 1000) -> None:
        self._by_id: dict[str, PlaybackSession] = {}
        self.max_sessions = max_sessions

    def add(self, sess: PlaybackSession) -> None:
        """Keep ``sess``; drop expired sessions, and the oldest beyond ``max_sessions``."""
        now = time.monotonic()
        for sid in [k for k, v in self._by_id.items() if v.expires < now]:
            del self._by_id[sid]
        while len(self._by_id) >= self.max_sessions:
            del self._by_id[next(iter(self._by_id))]
        self._by_id[sess.id] = sess

    def get(self, sid: str, user_id: int) -> PlaybackSession:
        """The caller's own live session ``sid`` (404 otherwise: ids are not shared)."""
        sess = self._by_id.get(sid)
        if sess is None or sess.user_id != user_id or sess.expires < time.monotonic():
            raise MediaError(404, "no such playback session (open a new one)")
        return sess


def new_session_id() -> str:
    """An unguessable session id."""
    return secrets.token_urlsafe(18)


def resolve(root: Path, rel: str) -> Path:
    """``rel`` under ``root``; refuses paths that leave it (the index is data, not trust)."""
    base = root.resolve()
    full = (base / rel).resolve()
    if not full.is_relative_to(base):
        raise MediaError(400, f"segment path {rel!r} leaves the storage root")
    return full


def to_fragmented(path: Path) -> bytes:
    """The video of one recorded file as a fragmented MP4 starting at time zero (blocking)."""
    out = io.BytesIO()
    try:
        with av.open(str(path)) as src:
            if not src.streams.video:
                raise MediaError(422, f"{path.name} holds no video")
            vin = src.streams.video[0]
            with av.open(out, "w", format="mp4", options=FRAGMENTED) as dst:
                vout = dst.add_stream_from_template(vin)
                first: int | None = None
                for pkt in src.demux(vin):
                    if pkt.dts is None or pkt.pts is None:
                        continue  # the demuxer's flush packet, or a packet it could not time
                    if first is None:
                        first = pkt.dts
                    pkt.dts -= first
                    pkt.pts -= first
                    pkt.stream = vout
                    dst.mux(pkt)
    except FileNotFoundError as exc:
        raise MediaError(410, f"recording {path.name} is no longer on disk") from exc
    except av.error.FFmpegError as exc:
        raise MediaError(422, f"recording {path.name} cannot be read: {exc}") from exc
    return out.getvalue()


def codec_mime(mp4: bytes) -> str:
    """The MSE type of an MP4 from its sample description (``avc1.PPCCLL`` for H.264)."""
    at = mp4.find(b"avcC")
    if at >= 0 and len(mp4) >= at + 8:
        profile, compat, level = mp4[at + 5], mp4[at + 6], mp4[at + 7]
        return f'video/mp4; codecs="avc1.{profile:02x}{compat:02x}{level:02x}"'
    if mp4.find(b"hvcC") >= 0:
        return 'video/mp4; codecs="hvc1.1.6.L93.B0"'
    return 'video/mp4; codecs="avc1.42e01e"'


def still_jpeg(sources: list[str], dest: Path, timeout_s: float = 4.0) -> str:
    """A JPEG of the first source that gives a picture (a live URL: its first keyframe;
    a recorded file: its last keyframe); returns the source used (blocking)."""
    errors = []
    for src in sources:
        try:
            image = _keyframe_image(src, timeout_s)
        except (av.error.FFmpegError, OSError, MediaError) as exc:
            # Never log credentials: FFmpeg's own message names the URL with them.
            errors.append(f"{redact(src)}: {redact_text(str(exc))}")
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        image.save(dest, format="JPEG", quality=85)
        return src
    raise MediaError(502, "no picture: " + "; ".join(errors))


def _keyframe_image(src: str, timeout_s: float) -> Any:
    live = "://" in src
    opts = {"rtsp_transport": "tcp"} if src.startswith("rtsp") else {}
    with av.open(src, options=opts, timeout=(timeout_s, timeout_s)) as c:
        if not c.streams.video:
            raise MediaError(422, "no video stream")
        stream = c.streams.video[0]
        key = None
        for pkt in c.demux(stream):
            if pkt.is_keyframe and pkt.size:
                key = pkt
                if live:
                    break
        if key is None:
            raise MediaError(422, "no keyframe")
        frames = list(stream.codec_context.decode(key)) + list(stream.codec_context.decode(None))
        if not frames:
            raise MediaError(422, "the keyframe did not decode")
        from PIL import Image

        return Image.fromarray(frames[0].to_ndarray(format="rgb24"))
