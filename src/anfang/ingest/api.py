"""The HTTP push transport: ``POST /ingest/events`` and ``POST /ingest/heartbeat``.

Thin on purpose: read the body (bounded), look the device up (cached, off the event
loop), run the pure checks of :mod:`anfang.ingest.http_push`, and hand the events
to the pipeline. A 200 is sent only once the events are durable.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from prometheus_client import Counter
from starlette.requests import ClientDisconnect

from anfang.core.events import Event
from anfang.core.writer import StorageUnavailable
from anfang.ingest import http_push as hp
from anfang.ingest.secrets import Cred, SecretCache

if TYPE_CHECKING:
    from anfang.kernel import Kernel

log = logging.getLogger(__name__)
router = APIRouter(tags=["ingest"])

REJECTED = Counter("anfang_http_push_rejected_total", "HTTP push requests refused", ["reason"])
ACCEPTED = Counter(
    "anfang_http_push_events_total", "Events acknowledged over HTTP push", ["duplicate"]
)
HEARTBEATS = Counter("anfang_http_push_heartbeats_total", "Heartbeats acknowledged")

RETRY_AFTER_S = 2
# Signing a large body takes a millisecond or more: do that off the event loop.
_THREAD_HMAC_BYTES = 64 * 1024


def _platform(request: Request) -> Kernel:
    platform: Kernel = request.app.state.platform
    return platform


def _cache(request: Request) -> SecretCache:
    state = request.app.state
    cache: SecretCache | None = getattr(state, "http_push_secrets", None)
    if cache is None:
        cache = SecretCache(_platform(request))
        state.http_push_secrets = cache
    return cache


def _refuse(exc: hp.PushRejected, device: str) -> JSONResponse:
    REJECTED.labels(exc.reason).inc()
    log.warning(
        "http push refused: device=%s status=%d reason=%s: %s",
        device[:64],
        exc.status,
        exc.reason,
        exc.message,
    )
    headers = {"WWW-Authenticate": "AnfangHMAC"} if exc.status == 401 else None
    return JSONResponse(hp.error_reply(exc), status_code=exc.status, headers=headers)


def _unavailable(exc: StorageUnavailable, device: str) -> JSONResponse:
    REJECTED.labels("storage_unavailable").inc()
    log.error("http push: storage unavailable, device=%s told to retry: %s", device, exc)
    return JSONResponse(
        {
            "detail": "storage unavailable, nothing stored; retry later",
            "reason": "storage_unavailable",
        },
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit():
        hp.check_size(int(declared), limit)
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            hp.check_size(size, limit)
            chunks.append(chunk)
    except ClientDisconnect:
        # Nobody reads the answer, but the refusal is counted and logged like any other
        # (it used to escape as "Exception in ASGI application").
        raise hp.PushRejected(
            400, "client_disconnected", f"the client left after {size} bytes of the body"
        ) from None
    return b"".join(chunks)


async def authenticate_device(request: Request) -> tuple[hp.PushHeaders, bytes]:
    """Check a signed device request (also used by other device interfaces on the same
    scheme): size, headers, clock window, device, signature, in that order."""
    head, body, _ = await _authenticate(request)
    return head, body


async def _authenticate(request: Request) -> tuple[hp.PushHeaders, bytes, Cred]:
    settings = _platform(request).settings
    body = await _read_body(request, settings.max_body_bytes)
    head = hp.parse_headers(request.headers)
    hp.check_timestamp(head.timestamp, time.time(), settings.device_push_window_seconds)
    cred = await _cache(request).get(head.device)
    if cred is None or not cred.secret:
        raise hp.PushRejected(401, "unknown_device", "unknown device")
    if not cred.enabled:
        raise hp.PushRejected(401, "disabled_device", "device disabled")
    if len(body) > _THREAD_HMAC_BYTES:
        await asyncio.to_thread(hp.check_signature, cred.secret, head, body)
    else:
        hp.check_signature(cred.secret, head, body)
    return head, body, cred


def _device_header(request: Request) -> str:
    return request.headers.get(hp.HEADER_DEVICE, "-")


_HEADERS = [
    {"name": hp.HEADER_DEVICE, "in": "header", "required": True, "schema": {"type": "string"}},
    {
        "name": hp.HEADER_TIMESTAMP,
        "in": "header",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]{1,12}$"},
        "description": "Unix seconds",
    },
    {
        "name": hp.HEADER_SIGNATURE,
        "in": "header",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9a-fA-F]{64}$"},
        "description": 'hex HMAC-SHA256(secret, timestamp + "\\n" + raw body)',
    },
]
_EVENT = {
    "type": "object",
    "required": ["id", "kind", "occurred_at"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "minLength": 1, "maxLength": hp.MAX_ID_CHARS},
        "kind": {"type": "string", "example": "access.granted"},
        "occurred_at": {"type": "string", "format": "date-time"},
        "payload": {"type": "object"},
    },
}
_EVENTS_DOC: dict[str, Any] = {
    "parameters": _HEADERS,
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["events"],
                    "additionalProperties": False,
                    "properties": {
                        "events": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": hp.MAX_EVENTS,
                            "items": _EVENT,
                        }
                    },
                }
            }
        },
    },
}
_HEARTBEAT_DOC: dict[str, Any] = {
    "parameters": _HEADERS,
    "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
}


@router.post(
    "/ingest/events",
    summary="Devices push events (HMAC-signed; docs/http-push.md)",
    openapi_extra=_EVENTS_DOC,
)
async def ingest_events(request: Request) -> JSONResponse:
    """Store a device's events; answers 200 only once they are durable."""
    try:
        head, body, cred = await _authenticate(request)
        pushed = hp.parse_events(body)
        hp.check_kinds(pushed, cred.subsystem, cred.kinds)
    except hp.PushRejected as exc:
        return _refuse(exc, _device_header(request))
    except StorageUnavailable as exc:
        return _unavailable(exc, _device_header(request))
    events = [
        Event.create(
            p.kind,
            source=head.device,
            occurred_at=p.occurred_at,
            payload=p.payload,
            idempotency_key=p.idempotency_key(head.device),
        )
        for p in pushed
    ]
    try:
        stored = await _platform(request).pipeline.submit_many(events)
    except StorageUnavailable as exc:
        return _unavailable(exc, head.device)
    dups = sum(1 for s in stored if s.duplicate)
    ACCEPTED.labels("false").inc(len(stored) - dups)
    ACCEPTED.labels("true").inc(dups)
    return JSONResponse(hp.accepted_reply(pushed, [(s.event.id, s.duplicate) for s in stored]))


@router.post(
    "/ingest/heartbeat",
    summary="Devices say they are alive (HMAC-signed)",
    openapi_extra=_HEARTBEAT_DOC,
)
async def ingest_heartbeat(request: Request) -> JSONResponse:
    """Record that the device is alive (brings an offline device back online)."""
    try:
        head, body = await authenticate_device(request)
        hp.parse_heartbeat(body)
    except hp.PushRejected as exc:
        return _refuse(exc, _device_header(request))
    except StorageUnavailable as exc:
        return _unavailable(exc, _device_header(request))
    platform = _platform(request)
    try:
        await platform.writer.run(lambda ctx: platform.devices.heartbeat(ctx, head.device))
    except StorageUnavailable as exc:
        return _unavailable(exc, head.device)
    HEARTBEATS.inc()
    return JSONResponse({"ok": True})
