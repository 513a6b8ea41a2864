"""HTTP transport of access terminals (face terminals, card/PIN/QR controllers).

Every request is signed like an HTTP push (``X-Anfang-Device``, ``X-Anfang-Timestamp``,
``X-Anfang-Signature`` = HMAC-SHA256 over timestamp + newline + raw body, with the
device's secret; docs/http-push.md) and authenticated by the same code. Each answer
carries the commands waiting for the terminal (a remote open), so a terminal that
presents, reports or polls at least every few seconds gets them promptly.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from prometheus_client import Counter
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from anfang.core.writer import StorageUnavailable
from anfang.ingest import http_push as hp
from anfang.ingest.api import authenticate_device
from anfang.subsystems.access import present
from anfang.subsystems.access.adapters import terminal_http as th
from anfang.subsystems.access.errors import AccessError
from anfang.subsystems.access.host import Outcome
from anfang.subsystems.access.service import AccessService, get_service

log = logging.getLogger(__name__)
router = APIRouter(prefix="/access/terminal", tags=["access-terminal"])
REJECTED = Counter(
    "anfang_access_terminal_rejected_total", "Access terminal requests refused", ["reason"]
)


def _refuse(exc: hp.PushRejected, request: Request) -> JSONResponse:
    REJECTED.labels(exc.reason).inc()
    device = request.headers.get(hp.HEADER_DEVICE, "-")[:64]
    log.warning("access terminal refused: device=%s reason=%s: %s", device, exc.reason, exc.message)
    headers = {"WWW-Authenticate": "AnfangHMAC"} if exc.status == 401 else None
    return JSONResponse(hp.error_reply(exc), status_code=exc.status, headers=headers)


def _unavailable(exc: Exception) -> JSONResponse:
    REJECTED.labels("unavailable").inc()
    log.error("access terminal: cannot decide now: %s", exc)
    return JSONResponse(
        {"detail": "cannot decide now; retry or use the local fallback", "reason": "unavailable"},
        status_code=503,
        headers={"Retry-After": "2"},
    )


def _answer(svc: AccessService, out: Outcome, reader: str | None, device: str) -> JSONResponse:
    r = svc.directory.reader(device, reader)
    unlock = svc.directory.snap.unlock_s.get(r.door_id, 5) if r is not None else 0
    body = th.reply(
        out.decision.granted,
        out.decision.reason,
        out.display,
        out.event_id,
        open_s=unlock,
        commands=out.commands,
        extra={"holder": out.decision.holder_name, "door": out.door_code},
    )
    return JSONResponse(body)


@router.post("/credential", summary="A terminal presents a card, PIN or QR code")
async def credential(request: Request) -> JSONResponse:
    """Decide a card (decimal, hex or a Wiegand 26/34 frame), PIN or QR code."""
    try:
        svc = get_service(request.app.state.platform)
        head, body = await authenticate_device(request)
        req = th.parse_credential(body)
        if req.kind == "qr":
            out = await present.present_qr(svc, head.device, req.reader, req.value)
        else:
            value = svc.pin_digest(req.value) if req.kind == "pin" else req.value
            out = await svc.present(head.device, req.reader, req.kind, value)
    except hp.PushRejected as exc:
        return _refuse(exc, request)
    except (StorageUnavailable, AccessError) as exc:
        return _unavailable(exc)
    return _answer(svc, out, req.reader, head.device)


async def _once(body: bytes) -> AsyncGenerator[bytes, None]:
    yield body


@router.post("/face", summary="A terminal sends a face capture (multipart)")
async def face(request: Request) -> JSONResponse:
    """Multipart fields: ``image`` (JPEG/PNG), optional ``reader`` and ``liveness``."""
    try:
        svc = get_service(request.app.state.platform)
        head, body = await authenticate_device(request)
        if "multipart/form-data" not in request.headers.get("content-type", ""):
            raise hp.PushRejected(415, "bad_content_type", "send multipart/form-data")
        try:
            form = await MultiPartParser(request.headers, _once(body), max_files=1).parse()
        except MultiPartException as exc:
            raise hp.PushRejected(422, "bad_multipart", f"multipart: {exc.message}") from None
        upload = form.get("image")
        if not isinstance(upload, UploadFile):
            raise hp.PushRejected(422, "bad_field", "image: a file part is required")
        image = await upload.read()
        th.check_image(image)
        reader_raw, live_raw = form.get("reader"), form.get("liveness")
        reader = th.parse_reader(reader_raw if isinstance(reader_raw, str) else None)
        liveness = th.parse_liveness(live_raw if isinstance(live_raw, str) else None)
        try:
            out = await present.present_face(svc, head.device, reader, image, liveness)
        except present.BadCapture as exc:
            raise hp.PushRejected(422, "bad_image", f"image: {exc}") from None
    except hp.PushRejected as exc:
        return _refuse(exc, request)
    except (StorageUnavailable, AccessError) as exc:
        return _unavailable(exc)
    return _answer(svc, out, reader, head.device)


@router.post("/status", summary="A terminal reports its door open or closed")
async def status(request: Request) -> JSONResponse:
    """``{"reader": "1", "door": "open"|"closed"}``; answers with waiting commands."""
    try:
        svc = get_service(request.app.state.platform)
        head, body = await authenticate_device(request)
        report = th.parse_status(body)
        try:
            raised, commands = await svc.door_report(head.device, report.reader, report.open)
        except AccessError as exc:
            raise hp.PushRejected(exc.status, "unknown_reader", exc.message) from None
    except hp.PushRejected as exc:
        return _refuse(exc, request)
    except StorageUnavailable as exc:
        return _unavailable(exc)
    return JSONResponse({"ok": True, "raised": raised, "commands": commands})


@router.post("/poll", summary="A terminal fetches waiting commands (and says it is alive)")
async def poll(request: Request) -> JSONResponse:
    """Commands for this terminal (a remote open); also counts as a heartbeat."""
    try:
        platform = request.app.state.platform
        svc = get_service(platform)
        head, body = await authenticate_device(request)
        hp.parse_heartbeat(body)
        await platform.writer.run(lambda ctx: platform.devices.heartbeat(ctx, head.device))
        commands = await svc.take_commands(head.device)
    except hp.PushRejected as exc:
        return _refuse(exc, request)
    except (StorageUnavailable, AccessError) as exc:
        return _unavailable(exc)
    return JSONResponse({"commands": commands})
