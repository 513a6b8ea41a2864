"""WebSocket ``/api/v1/stream``: every new event, alarm change and device state, live."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import orjson
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from prometheus_client import Gauge

from anfang.auth.rbac import Perm, allowed
from anfang.core.bus import Message

router = APIRouter(tags=["stream"])
CLIENTS = Gauge("anfang_ws_clients", "Connected WebSocket clients")
_TYPES = {"alarms.changed": "alarm", "devices.state": "device"}
MAX_BATCH = 1000


def to_message(msg: Message) -> dict[str, Any] | None:
    """The console's message for a bus message (``None`` for subjects it does not show)."""
    if msg.subject.startswith("events."):
        return {"type": "event", "data": msg.data}
    kind = _TYPES.get(msg.subject)
    return {"type": kind, "data": msg.data} if kind else None


@router.websocket("/stream")
async def stream(ws: WebSocket, token: str = "") -> None:
    """Push JSON messages; several pending ones go out as one ``batch`` message."""
    platform = ws.app.state.platform
    principal = await platform.users.authenticate_token(token) if token else None
    await ws.accept()
    if (
        principal is None
        or principal.must_change_password
        or not allowed(principal.role, Perm.EVENTS_READ)
    ):
        # Accept first so that a browser sees the close code and reason (1008).
        await ws.close(code=1008, reason="invalid or expired token")
        return
    CLIENTS.inc()
    sub = await platform.bus.subscribe(">")

    async def send_all() -> None:
        while messages := await sub.batch(MAX_BATCH):
            items = [out for out in map(to_message, messages) if out is not None]
            if items:
                payload = items[0] if len(items) == 1 else {"type": "batch", "items": items}
                await ws.send_text(orjson.dumps(payload).decode())

    async def watch_close() -> None:
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                await ws.receive_text()

    sender = asyncio.create_task(send_all())
    closer = asyncio.create_task(watch_close())
    try:
        await asyncio.wait({sender, closer}, return_when=asyncio.FIRST_COMPLETED)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        CLIENTS.dec()
        await sub.close()
        for t in (sender, closer):
            t.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await t
