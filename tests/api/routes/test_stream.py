"""The WebSocket stream pushes new events and alarm changes; bad tokens are refused."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from tests.conftest import ADMIN_PASSWORD, ws_session


async def _token(base: str) -> str:
    async with httpx.AsyncClient(base_url=base) as c:
        r = await c.post(
            "/api/v1/auth/token", json={"username": "admin", "password": ADMIN_PASSWORD}
        )
        token: str = r.json()["access_token"]
        return token


def _flatten(msg: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = msg["items"] if msg["type"] == "batch" else [msg]
    return items


async def test_stream_pushes_event_and_alarm(live_server: str) -> None:
    token = await _token(live_server)
    ws_url = live_server.replace("http", "ws") + "/api/v1/stream"
    async with ws_session(ws_url, token) as ws:
        async with httpx.AsyncClient(base_url=live_server) as c:
            r = await c.post(
                "/api/v1/events",
                headers={"Authorization": f"Bearer {token}"},
                json={"kind": "perimeter.intrusion", "source": "PZ-9"},
            )
            assert r.status_code == 201
        seen: list[dict[str, Any]] = []
        async with asyncio.timeout(5):
            while not any(m["type"] == "alarm" for m in seen):
                seen.extend(_flatten(json.loads(await ws.recv())))
    types = [m["type"] for m in seen]
    assert "event" in types
    ev = next(m["data"] for m in seen if m["type"] == "event")
    alarm = next(m["data"] for m in seen if m["type"] == "alarm")
    assert ev["kind"] == "perimeter.intrusion" and alarm["source"] == "PZ-9"
    assert alarm["state"] == "new"


async def test_stream_refuses_bad_token(live_server: str) -> None:
    ws_url = live_server.replace("http", "ws") + "/api/v1/stream"
    with pytest.raises(ConnectionClosed) as info:
        async with websockets.connect(ws_url) as ws:
            await ws.send(json.dumps({"type": "auth", "token": "nope"}))
            await ws.recv()
    assert info.value.rcvd is not None and info.value.rcvd.code == 1008
