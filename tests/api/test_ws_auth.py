"""WebSocket sessions: the token only in the first message, and the socket closes soon
after the session ends (logout, a disabled user)."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from anfang.api import ws_auth
from anfang.app.platform import Platform
from tests.conftest import ADMIN_PASSWORD, auth, first_login, login, ws_session


async def _closed_with(ws: websockets.ClientConnection, within: float) -> tuple[int, str]:
    with pytest.raises(ConnectionClosed) as info:
        async with asyncio.timeout(within):
            while True:
                await ws.recv()
    assert info.value.rcvd is not None
    return info.value.rcvd.code, info.value.rcvd.reason


async def test_token_in_the_url_is_refused_even_when_valid(live_server: str) -> None:
    async with httpx.AsyncClient(base_url=live_server) as c:
        token = await login(c, "admin", ADMIN_PASSWORD)
    url = live_server.replace("http", "ws") + f"/api/v1/stream?token={token}"
    async with websockets.connect(url) as ws:
        code, reason = await _closed_with(ws, 5)
    assert code == 1008 and "URL" in reason


@pytest.mark.parametrize("first", ['{"type":"hello"}', "not json", '{"type":"auth","token":7}'])
async def test_a_first_message_that_is_not_auth_is_refused(live_server: str, first: str) -> None:
    async with websockets.connect(live_server.replace("http", "ws") + "/api/v1/stream") as ws:
        await ws.send(first)
        code, _ = await _closed_with(ws, 5)
    assert code == 1008


async def test_silence_is_refused(live_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ws_auth, "AUTH_TIMEOUT", 0.3)
    async with websockets.connect(live_server.replace("http", "ws") + "/api/v1/stream") as ws:
        code, _ = await _closed_with(ws, 3)
    assert code == 1008


async def test_logout_closes_the_live_stream(live_server: str) -> None:
    async with httpx.AsyncClient(base_url=live_server) as c:
        token = await login(c, "admin", ADMIN_PASSWORD)
        async with ws_session(live_server.replace("http", "ws") + "/api/v1/stream", token) as ws:
            assert (await c.post("/api/v1/auth/logout", headers=auth(token))).status_code == 204
            code, reason = await _closed_with(ws, ws_auth.RECHECK_SECONDS + 3)
    assert (code, reason) == (1008, "session ended")


async def test_disabling_a_user_closes_their_stream(live_server: str, platform: Platform) -> None:
    async with httpx.AsyncClient(base_url=live_server) as c:
        admin = await login(c, "admin", ADMIN_PASSWORD)
        body = {"username": "op1", "password": "temporary-pw-1", "role": "operator"}
        assert (await c.post("/api/v1/users", json=body, headers=auth(admin))).status_code == 201
        op = await first_login(c, "op1", "temporary-pw-1")
        async with ws_session(live_server.replace("http", "ws") + "/api/v1/stream", op) as ws:
            r = await c.patch("/api/v1/users/op1", json={"disabled": True}, headers=auth(admin))
            assert r.status_code == 200, r.text
            code, _ = await _closed_with(ws, ws_auth.RECHECK_SECONDS + 3)
    assert code == 1008


async def test_no_credential_reaches_the_log(
    live_server: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="uvicorn.access")
    caplog.set_level(logging.DEBUG, logger="uvicorn.error")
    with caplog.at_level(logging.DEBUG):
        async with httpx.AsyncClient(base_url=live_server) as c:
            token = await login(c, "admin", ADMIN_PASSWORD)
            async with ws_session(live_server.replace("http", "ws") + "/api/v1/stream", token):
                pass
            url = live_server.replace("http", "ws") + f"/api/v1/stream?token={token}"
            async with websockets.connect(url) as ws:
                await _closed_with(ws, 5)
    # The server's records (the client library logs its own request line, token and all).
    server = [r for r in caplog.records if r.name.startswith(("uvicorn", "anfang"))]
    assert any("/api/v1/stream" in r.getMessage() for r in server)
    assert not [r.getMessage() for r in server if token in r.getMessage()]
    assert not [r for r in server if ADMIN_PASSWORD in r.getMessage()]
