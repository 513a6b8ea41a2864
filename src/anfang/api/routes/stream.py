"""WebSocket ``/api/v1/stream``: every new event, alarm change and device state, live."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import orjson
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from prometheus_client import Gauge

from anfang.api import ws_auth
from anfang.auth.rbac import Perm
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
async def stream(ws: WebSocket) -> None:
    """Push JSON messages; several pending ones go out as one ``batch`` message. The
    first message from the client authenticates it (:mod:`anfang.api.ws_auth`)."""
    platform = ws.app.state.platform
    session = await ws_auth.accept(ws, Perm.EVENTS_READ)
    if session is None:
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
    ender = asyncio.create_task(ws_auth.watch(ws, session, Perm.EVENTS_READ))
    try:
        await asyncio.wait({sender, closer, ender}, return_when=asyncio.FIRST_COMPLETED)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        CLIENTS.dec()
        await sub.close()
        for t in (sender, closer, ender):
            t.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await t
