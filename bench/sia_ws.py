"""bench/sia's console stand-in: a WebSocket client in its own process.

It logs in as the console does, subscribes to ``/api/v1/stream`` and notes when each SIA
event (``account:sequence`` from its payload) first arrives (``time.time_ns()``, the same
clock the panel process stamps its sends with). Told to stop, it waits until nothing new
has come for ``quiet_s`` (or ``drain_s`` at most) and sends back what it saw. It imports
nothing of anfang, so its CPU time is its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import httpx
import orjson
import uvloop
from websockets.asyncio.client import connect


@dataclass
class WsConfig:
    """Where to connect, as whom, and how long to drain after "stop"."""

    port: int
    username: str
    password: str
    quiet_s: float = 0.5
    drain_s: float = 10.0


def run(config: WsConfig, conn: Connection) -> None:
    """Process entry point: "ready", then on "stop" the arrivals {account:seq: ns}."""
    uvloop.run(_main(config, conn))


def _note(item: dict[str, Any], arrivals: dict[str, int], now: int) -> bool:
    if item.get("type") != "event":
        return False
    payload = item.get("data", {}).get("payload", {})
    account, seq = payload.get("account"), payload.get("sequence")
    if account is None or seq is None:
        return False
    arrivals.setdefault(f"{account}:{seq}", now)
    return True


async def _main(config: WsConfig, conn: Connection) -> None:
    base = f"127.0.0.1:{config.port}"
    try:
        async with httpx.AsyncClient(base_url=f"http://{base}", timeout=30) as http:
            resp = await http.post(
                "/api/v1/auth/token",
                json={"username": config.username, "password": config.password},
            )
            resp.raise_for_status()
            token = resp.json()["access_token"]
    except Exception as exc:  # tell the parent instead of dying silently
        conn.send(("error", f"login failed: {exc!r}"))
        return
    arrivals: dict[str, int] = {}
    last_new = [time.monotonic()]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    url = f"ws://{base}/api/v1/stream"
    async with connect(url, max_size=None, proxy=None) as ws:
        await ws.send(orjson.dumps({"type": "auth", "token": token}).decode())
        await ws.recv()  # auth.ok

        def on_control() -> None:
            conn.recv()
            stop.set()

        loop.add_reader(conn.fileno(), on_control)
        conn.send(("ready", None))

        async def receive() -> None:
            async for raw in ws:
                now = time.time_ns()
                msg = orjson.loads(raw)
                items = msg["items"] if msg.get("type") == "batch" else [msg]
                if any([_note(i, arrivals, now) for i in items]):
                    last_new[0] = time.monotonic()

        receiver = asyncio.create_task(receive())
        await stop.wait()
        deadline = time.monotonic() + config.drain_s
        # Polls a clock, not a condition another task signals: drain until quiet.
        while time.monotonic() < deadline and time.monotonic() - last_new[0] < config.quiet_s:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        loop.remove_reader(conn.fileno())
        os.set_blocking(conn.fileno(), True)  # a large result must not fail with EAGAIN
        receiver.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await receiver
    conn.send(("result", arrivals))
