"""REST and WebSocket API for watching video: playback, event media, live view, ONVIF
(exports: ``api_exports``).

Who may watch: operators, supervisors, admins and police inspectors (read-only: they may
view, not export). Viewing a recording is audited once per playback session.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, WebSocket
from fastapi.responses import FileResponse, Response
from fastapi.websockets import WebSocketDisconnect
from prometheus_client import Counter
from pydantic import Field

from anfang.api import ws_auth
from anfang.api.deps import PlatformDep, Principal, require
from anfang.api.types import DbId
from anfang.auth.rbac import Perm
from anfang.core.retrieval import Retrieval, detail
from anfang.kernel import Kernel
from anfang.subsystems.video import listings
from anfang.subsystems.video.adapters import onvif
from anfang.subsystems.video.adapters import ws_discovery as wsd
from anfang.subsystems.video.live import LIVE_LATENCY
from anfang.subsystems.video.media import MEDIA, MediaService
from anfang.subsystems.video.models import AlarmMedia, Camera
from anfang.subsystems.video.playback import (
    MediaError,
    PlaybackSession,
    check_range,
    codec_mime,
    new_session_id,
    plan,
    resolve,
    to_fragmented,
)
from anfang.subsystems.video.service import password_purpose
from anfang.subsystems.video.store import camera_by_code

log = logging.getLogger(__name__)
router = APIRouter(prefix="/video", tags=["video"])
REJECTED = Counter("anfang_video_media_rejected_total", "Video media requests refused", ["why"])
Viewer = Annotated[Principal, Depends(require(Perm.VIDEO_VIEW))]
Exporter = Annotated[Principal, Depends(require(Perm.VIDEO_EXPORT))]


def media_service(platform: Kernel) -> MediaService:
    """The running media service (503 when the component is not running)."""
    svc = platform.capabilities.get(MEDIA)
    if svc is None:
        raise HTTPException(503, "the video media component is not running")
    return svc


@contextlib.contextmanager
def http_errors() -> Iterator[None]:
    """Answer a refused media request with its status (counted and logged)."""
    try:
        yield
    except MediaError as exc:
        REJECTED.labels(str(exc.status)).inc()
        log.info("video media request refused (%s): %s", exc.status, exc.message)
        raise HTTPException(exc.status, exc.message) from exc


async def camera_or_404(svc: MediaService, code: str) -> Camera:
    """The camera of device ``code`` (404 otherwise)."""
    cam: Camera | None = await svc.read(lambda s: camera_by_code(s, code))
    if cam is None:
        raise HTTPException(404, f"no camera {code!r}")
    return cam


class RangeIn(Retrieval):
    """A camera, a time range (ISO 8601 with a time zone) and who retrieves it why: the
    reason (required), the requesting unit and person (default: the centre, the caller)."""

    camera: str = Field(min_length=1, max_length=64)
    start: datetime
    end: datetime


# ---------------------------------------------------------------- playback


@router.post("/playback", status_code=201)
async def open_playback(data: RangeIn, who: Viewer, platform: PlatformDep) -> dict[str, Any]:
    """Open a playback session for a range (audited once); lists its segments and gaps."""
    svc = media_service(platform)
    with http_errors():
        check_range(data.start, data.end)
    cam = await camera_or_404(svc, data.camera)
    segs, gaps = await svc.read(lambda s: plan(s, cam.id, data.start, data.end))
    sess = PlaybackSession(
        new_session_id(),
        who.user_id,
        who.actor,
        cam.id,
        data.camera,
        data.start,
        data.end,
        segs,
        gaps,
    )
    svc.sessions.add(sess)
    await platform.audit.record(
        who.actor,
        "video.view",
        data.camera,
        {
            "start": data.start.isoformat(),
            "end": data.end.isoformat(),
            "session": sess.id,
            **detail(data, who.actor),
        },
    )
    return sess.to_json()


@router.get("/playback/{sid}/segments/{index}")
async def playback_segment(sid: str, index: int, who: Viewer, platform: PlatformDep) -> Response:
    """One segment of an open session as fragmented MP4 (its MSE type in ``X-Codec``)."""
    svc = media_service(platform)
    with http_errors():
        sess = svc.sessions.get(sid, who.user_id)
        if not 0 <= index < len(sess.segments):
            raise MediaError(404, f"segment {index} is not in this session")
        path = resolve(svc.root, sess.segments[index].path)
        data = await asyncio.to_thread(to_fragmented, path)
    return Response(
        data,
        media_type="video/mp4",
        headers={"X-Codec": codec_mime(data), "Cache-Control": "private, max-age=3600"},
    )


# ---------------------------------------------------------------- event media


@router.get("/alarms/{alarm_id}/media")
async def alarm_media(alarm_id: str, _: Viewer, platform: PlatformDep) -> list[dict[str, Any]]:
    """The snapshots and clips attached to an alarm."""
    rows: list[dict[str, Any]] = await media_service(platform).read(
        lambda s: listings.media_rows(s, alarm_id)
    )
    return rows


@router.get("/media/{media_id}")
async def media_file(media_id: DbId, who: Viewer, platform: PlatformDep) -> FileResponse:
    """A snapshot (JPEG) or clip (MP4) file (every viewing audited: recorded material)."""
    svc = media_service(platform)
    row: AlarmMedia | None = await svc.read(lambda s: s.get(AlarmMedia, media_id))
    if row is None:
        raise HTTPException(404, f"no media {media_id}")
    with http_errors():
        path = resolve(svc.root, row.path)
    if not path.is_file():
        raise HTTPException(410, f"media {media_id} is no longer on disk")
    kind = "image/jpeg" if row.kind == "snapshot" else "video/mp4"
    await platform.audit.record(
        who.actor,
        "video.media.view",
        f"alarm:{row.alarm_id}",
        {"media": media_id, "kind": row.kind},
    )
    return FileResponse(path, media_type=kind, headers={"X-Content-SHA256": row.sha256})


# ---------------------------------------------------------------- live


@router.websocket("/live/{code}")
async def live(ws: WebSocket, code: str, stream: str = "sub") -> None:
    """Fragmented MP4 of a camera: a JSON ``init`` message with the MSE type, then binary
    fragments (one per frame, the first one of each session an init segment). The
    client's first message authenticates it (:mod:`anfang.api.ws_auth`)."""
    platform: Kernel = ws.app.state.platform
    session = await ws_auth.accept(ws, Perm.VIDEO_VIEW)
    if session is None:
        REJECTED.labels("live-auth").inc()
        return
    svc = platform.capabilities.get(MEDIA)
    cam = await svc.read(lambda s: camera_by_code(s, code)) if svc is not None else None
    if cam is None or svc is None:
        await ws.close(code=1008, reason=f"no camera {code!r}")
        return
    url = svc.stream_url(cam, code, main=stream == "main")
    relay, viewer = svc.live.join(f"{code}:{stream}", url)
    closer = asyncio.create_task(_watch_close(ws))
    ender = asyncio.create_task(ws_auth.watch(ws, session, Perm.VIDEO_VIEW))
    closer.add_done_callback(lambda _: ender.cancel())
    ender.add_done_callback(lambda _: closer.cancel())
    try:
        while not closer.done():
            getter = asyncio.create_task(viewer.queue.get())
            done, _ = await asyncio.wait({getter, closer}, return_when=asyncio.FIRST_COMPLETED)
            if getter not in done:
                getter.cancel()
                break
            frag = getter.result()
            if frag.init:
                await ws.send_json({"type": "init", "mime": codec_mime(frag.data)})
            await ws.send_bytes(frag.data)
            LIVE_LATENCY.observe(time.monotonic() - frag.received)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        relay.remove(viewer)
        for task in (closer, ender):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await task


async def _watch_close(ws: WebSocket) -> None:
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            await ws.receive_text()


# ---------------------------------------------------------------- ONVIF

Installer = Annotated[Principal, Depends(require(Perm.DEVICES_WRITE))]


@router.get("/onvif/discover")
async def onvif_discover(
    _: Installer, timeout_s: Annotated[float, Query(gt=0, le=10)] = 2.0
) -> list[dict[str, Any]]:
    """ONVIF cameras on the local network (WS-Discovery probe, answers for ``timeout_s``)."""
    try:
        found = await wsd.discover(timeout_s)
    except OSError as exc:
        raise HTTPException(503, f"cannot send a WS-Discovery probe: {exc.strerror}") from exc
    return [
        {
            "endpoint": m.endpoint,
            "address": src,
            "name": m.scope("name"),
            "hardware": m.scope("hardware"),
            "xaddrs": list(m.xaddrs),
            "types": list(m.types),
            "scopes": list(m.scopes),
        }
        for m, src in found
    ]


@router.get("/onvif/{code}")
async def onvif_info(code: str, _: Installer, platform: PlatformDep) -> dict[str, Any]:
    """What camera ``code`` says over ONVIF: device information, profiles, URIs, presets."""
    svc = media_service(platform)
    cam = await camera_or_404(svc, code)
    if not cam.onvif_url:
        raise HTTPException(422, f"camera {code!r} has no ONVIF address")
    password = None
    if cam.password_sealed:
        password = platform.secrets.open(cam.password_sealed, password_purpose(code)).decode()
    try:
        info = await onvif.read_device(cam.onvif_url, cam.username, password)
    except onvif.OnvifError as exc:
        REJECTED.labels(f"onvif-{exc.status}").inc()
        raise HTTPException(exc.status, exc.message) from exc
    return info.to_json()
