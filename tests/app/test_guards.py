"""Admission control and security headers; 500 readers never delay alarm ingestion."""

from __future__ import annotations

import asyncio
import collections
import multiprocessing
import time
from multiprocessing.connection import Connection
from pathlib import Path

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from anfang.app.guards import Admission, SecurityHeaders
from anfang.subsystems.home_alarm.adapters.sia_dc09 import SiaEvent
from anfang.subsystems.home_alarm.sim_panel import SimulatedSiaPanel
from tests.conftest import ADMIN_PASSWORD, auth, free_port, spawn_server
from tests.store.test_durability import _wait_up


def _slow_app(gate: asyncio.Event) -> object:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await gate.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    return app


async def test_excess_requests_get_503_at_once_and_devices_have_their_own_budget() -> None:
    gate = asyncio.Event()
    app = Admission(_slow_app(gate), limit=2, device_limit=1)  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        held = [asyncio.create_task(c.get("/api/v1/events")) for _ in range(2)]
        device = asyncio.create_task(c.post("/api/v1/ingest/events"))
        await asyncio.sleep(0.05)
        started = time.monotonic()
        r = await c.get("/api/v1/alarms")
        assert time.monotonic() - started < 0.5
        assert r.status_code == 503 and r.headers["retry-after"] == "1"
        assert "busy" in r.json()["detail"]
        assert (await c.post("/api/v1/ingest/events")).status_code == 503  # its own budget full
        gate.set()
        assert all(t.status_code == 200 for t in await asyncio.gather(*held, device))
        assert (await c.get("/api/v1/alarms")).status_code == 200
        assert app.busy == {"api": 0, "device": 0}


async def test_console_files_are_not_counted() -> None:
    gate = asyncio.Event()
    gate.set()
    app = Admission(_slow_app(gate), limit=1)  # type: ignore[arg-type]
    app.busy["api"] = 1
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        assert (await c.get("/static/js/main.js")).status_code == 200


async def test_security_headers_and_no_store_on_api_answers() -> None:
    gate = asyncio.Event()
    gate.set()
    transport = httpx.ASGITransport(app=SecurityHeaders(_slow_app(gate)))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="https://t") as c:
        api = await c.get("/api/v1/me")
        page = await c.get("/")
    for r in (api, page):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["strict-transport-security"].startswith("max-age=")
    assert api.headers["cache-control"] == "no-store"
    assert "cache-control" not in page.headers


async def test_app_answers_carry_the_headers(app_client: httpx.AsyncClient) -> None:
    r = await app_client.get("/api/v1/me")
    assert r.status_code == 401
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-frame-options"] == "DENY"


def _readers(base: str, token: str, n: int, seconds: float, out: Connection) -> None:
    """``n`` clients reading events as fast as they are let, for ``seconds`` (a process of
    its own, so that the panel's timing is not the readers' CPU)."""

    async def main() -> tuple[dict[int, int], list[float]]:
        statuses: collections.Counter[int] = collections.Counter()
        refusals: list[float] = []
        end = time.monotonic() + seconds
        limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)

        async def reader(c: httpx.AsyncClient) -> None:
            while time.monotonic() < end:
                t0 = time.monotonic()
                try:
                    r = await c.get("/api/v1/events", params={"limit": 500}, headers=auth(token))
                except httpx.HTTPError:
                    statuses[0] += 1
                    continue
                statuses[r.status_code] += 1
                if r.status_code == 503:
                    refusals.append(time.monotonic() - t0)
                    await asyncio.sleep(0.2)

        async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as c:
            await asyncio.gather(*(reader(c) for _ in range(n)))
        return dict(statuses), refusals

    out.send(asyncio.run(main()))


@pytest.mark.slow
async def test_500_readers_never_delay_acknowledged_alarms(tmp_path: Path) -> None:
    """Issue 14 item 12: 500 clients read while a panel reports; every frame is ACKed
    within 2 s, no reader gets a 500, and excess readers are refused, not queued."""
    port, sia_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    proc = spawn_server(tmp_path, port, sia_port=str(sia_port))
    try:
        await _wait_up(base, proc)
        async with httpx.AsyncClient(base_url=base, timeout=30) as c:
            r = await c.post(
                "/api/v1/auth/token", json={"username": "admin", "password": ADMIN_PASSWORD}
            )
            token = r.json()["access_token"]
            account = {"account": "3001"}
            r = await c.post("/api/v1/alarm-accounts", json=account, headers=auth(token))
            assert r.is_success, r.text
        ctx = multiprocessing.get_context("spawn")
        mine, theirs = ctx.Pipe()
        load = ctx.Process(target=_readers, args=(base, token, 500, 12.0, theirs))
        load.start()
        panel = SimulatedSiaPanel(
            "127.0.0.1", sia_port, "3001", None, contact_id=False, ack_timeout_s=2.0,
            max_attempts=1,
        )  # fmt: skip
        await asyncio.sleep(3)  # the readers fill every slot first
        replies = []
        for i in range(40):
            replies.append(await panel.send([SiaEvent("BA", zone=str(i + 1), partition="1")]))
            await asyncio.sleep(0.1)
        await panel.close()
        statuses, refusals = await asyncio.to_thread(mine.recv)
        load.join(30)
        assert replies == ["ACK"] * 40, collections.Counter(replies)
        assert statuses.get(500, 0) == 0, statuses
        assert statuses.get(200, 0) > 0 and statuses.get(503, 0) > 0, statuses
        # A refusal costs the server microseconds; what a client sees on this 2-core
        # machine is mostly the wait for a turn of the server's saturated event loop, which
        # grows with everything else the machine runs (5.5 s once inside the full suite).
        # What is checked is that excess readers are refused rather than queued until their
        # 60 s timeout; the time itself is measured in bench/, not here.
        refusals.sort()
        assert refusals[len(refusals) // 2] < 15.0, refusals[:: max(1, len(refusals) // 10)]
    finally:
        proc.terminate()
        proc.wait(timeout=60)
