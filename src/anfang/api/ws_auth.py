"""WebSocket sessions: the token comes in the first message, never in the URL, and a
socket closes within seconds of its session ending.

Browsers cannot set an ``Authorization`` header on a WebSocket, and a token in the query
string lands in access logs, proxies and browser history (issue 14). So a client opens
the socket bare and sends ``{"type": "auth", "token": "…"}`` first; the server answers
``{"type": "auth.ok"}`` or closes with 1008. While the socket is open the session is
checked again every :data:`RECHECK_SECONDS`: logout, revocation, a disabled user, a
role that lost the permission and expiry all close it.
"""

from __future__ import annotations

import asyncio
import contextlib

import orjson
from fastapi import WebSocket
from prometheus_client import Counter
from starlette.websockets import WebSocketDisconnect

from anfang.auth.principal import Principal
from anfang.auth.rbac import Perm
from anfang.kernel import Kernel

AUTH_TIMEOUT = 5.0
RECHECK_SECONDS = 2.0
POLICY_VIOLATION = 1008
REFUSED = Counter("anfang_ws_refused_total", "WebSocket connections refused or closed", ["why"])


class WsSession:
    """An authenticated WebSocket's caller and the token it proved."""

    def __init__(self, principal: Principal, token: str) -> None:
        self.principal = principal
        self.token = token


async def _refuse(ws: WebSocket, why: str, reason: str) -> None:
    REFUSED.labels(why).inc()
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
        await ws.close(code=POLICY_VIOLATION, reason=reason)


async def _first_token(ws: WebSocket) -> str | None:
    try:
        raw = await asyncio.wait_for(ws.receive_text(), AUTH_TIMEOUT)
        msg = orjson.loads(raw)
    except (TimeoutError, WebSocketDisconnect, RuntimeError, KeyError, orjson.JSONDecodeError):
        return None
    if not isinstance(msg, dict) or msg.get("type") != "auth":
        return None
    token = msg.get("token")
    return token if isinstance(token, str) and 0 < len(token) <= 512 else None


async def _usable(platform: Kernel, token: str, perm: Perm) -> Principal | None:
    principal = await platform.authenticate(token)
    if principal is None or principal.must_change_password or not principal.may(perm):
        return None
    return principal


async def accept(ws: WebSocket, perm: Perm) -> WsSession | None:
    """Accept ``ws`` and authenticate its first message; ``None`` once it was closed."""
    # Accept first so that a browser sees the close code and reason.
    await ws.accept()
    if "token" in ws.query_params:
        await _refuse(ws, "token-in-url", "token in URL refused: send it in the first message")
        return None
    token = await _first_token(ws)
    if token is None:
        await _refuse(ws, "no-auth", 'first message must be {"type": "auth", "token": ...}')
        return None
    platform: Kernel = ws.app.state.platform
    principal = await _usable(platform, token, perm)
    if principal is None:
        await _refuse(ws, "auth", f"invalid or expired token, or no permission {perm}")
        return None
    await ws.send_text('{"type":"auth.ok"}')
    return WsSession(principal, token)


async def watch(ws: WebSocket, session: WsSession, perm: Perm) -> None:
    """Return (having closed ``ws``) once the session no longer allows ``perm``."""
    platform: Kernel = ws.app.state.platform
    while True:
        await asyncio.sleep(RECHECK_SECONDS)
        if await _usable(platform, session.token, perm) is None:
            await _refuse(ws, "session-ended", "session ended")
            return
