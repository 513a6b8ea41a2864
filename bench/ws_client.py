"""The benchmark's console stand-in: a WebSocket client in its own process.

It logs in like the console does, subscribes to ``/api/v1/stream`` and notes, for every
benchmark event it receives, the submit instant carried in the payload and the instant
it arrived (both ``time.time_ns()`` on the same machine). It imports nothing of anfang
so that its process stays small and its CPU time is the client's own.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from array import array
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import httpx
import orjson
import uvloop
from websockets.asyncio.client import connect


@dataclass
class ClientConfig:
    """Where to connect and how long to wait for stragglers."""

    port: int
    username: str
    password: str
    run_id: str
    drain_timeout: float = 20.0
    compression: str | None = "deflate"


@dataclass
class _Tally:
    sent_at: array[int] = field(default_factory=lambda: array("q"))
    received_at: array[int] = field(default_factory=lambda: array("q"))
    seen: set[int] = field(default_factory=set)
    duplicates: int = 0
    messages: int = 0
    batches: int = 0
    other: int = 0

    def add(self, item: dict[str, Any], run_id: str, now: int) -> None:
        if item.get("type") != "event":
            self.other += 1
            return
        payload = item.get("data", {}).get("payload", {})
        if payload.get("run") != run_id:
            self.other += 1
            return
        seq = payload["seq"]
        if seq in self.seen:
            self.duplicates += 1
            return
        self.seen.add(seq)
        self.sent_at.append(payload["t"])
        self.received_at.append(now)


def run(config: ClientConfig, conn: Connection) -> None:
    """Process entry point: receive until told how many to expect, then report."""
    uvloop.run(_main(config, conn))


async def _main(config: ClientConfig, conn: Connection) -> None:
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
    tally = _Tally()
    expected: list[int] = []
    done = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_control() -> None:
        cmd, value = conn.recv()
        if cmd == "expect":
            expected.append(int(value))
            if len(tally.seen) >= value:
                done.set()
            loop.call_later(config.drain_timeout, done.set)

    url = f"ws://{base}/api/v1/stream"
    async with connect(url, max_size=None, compression=config.compression, proxy=None) as ws:
        await ws.send(orjson.dumps({"type": "auth", "token": token}).decode())
        await ws.recv()  # auth.ok
        loop.add_reader(conn.fileno(), on_control)
        conn.send(("ready", None))

        async def receive() -> None:
            async for raw in ws:
                now = time.time_ns()
                msg = orjson.loads(raw)
                tally.messages += 1
                if msg.get("type") == "batch":
                    tally.batches += 1
                    for item in msg["items"]:
                        tally.add(item, config.run_id, now)
                else:
                    tally.add(msg, config.run_id, now)
                if expected and len(tally.seen) >= expected[0]:
                    done.set()

        receiver = asyncio.create_task(receive())
        waiter = asyncio.create_task(done.wait())
        await asyncio.wait({receiver, waiter}, return_when=asyncio.FIRST_COMPLETED)
        loop.remove_reader(conn.fileno())
        # The loop made the pipe non-blocking; a large result must not fail with EAGAIN.
        os.set_blocking(conn.fileno(), True)
        error = None
        if receiver.done() and not receiver.cancelled() and receiver.exception() is not None:
            error = repr(receiver.exception())  # the connection broke: report, do not die
        for task in (receiver, waiter):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
    conn.send(
        (
            "result",
            {
                "sent_at": tally.sent_at.tobytes(),
                "received_at": tally.received_at.tobytes(),
                "distinct": len(tally.seen),
                "duplicates": tally.duplicates,
                "messages": tally.messages,
                "batch_messages": tally.batches,
                "other_messages": tally.other,
                "compression": config.compression,
                "error": error,
            },
        )
    )
