"""Nothing acknowledged is lost: SIGKILL mid-load, and a database that goes away."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.core.events import Event
from anfang.core.writer import StorageUnavailable
from anfang.store.base import make_engine
from anfang.store.models import EventRow
from tests.conftest import ADMIN_PASSWORD, PG_ADMIN_URL, free_port, make_settings


async def _wait_up(base: str, proc: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient(base_url=base) as c:
        for _ in range(300):
            assert proc.poll() is None, "server exited"
            with contextlib.suppress(httpx.HTTPError):
                if (await c.get("/healthz")).status_code == 200:
                    return
            await asyncio.sleep(0.05)
    raise AssertionError("server did not come up")


def _serve(data_dir: Path, port: int, db_url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "ANFANG_DATA_DIR": str(data_dir),
        "ANFANG_PORT": str(port),
        "ANFANG_SIA_PORT": "0",
        "ANFANG_INTERCOM_SIP_PORT": "0",
        "ANFANG_VIDEO_RECORDING": "false",
        "ANFANG_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "ANFANG_DATABASE_URL": db_url,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "anfang.cli", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.slow
async def test_sigkill_loses_no_acknowledged_event(tmp_path: Path, db_url: str) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = _serve(tmp_path, port, db_url)
    acked: list[str] = []
    enough = asyncio.Event()
    try:
        await _wait_up(base, proc)
        async with httpx.AsyncClient(base_url=base, timeout=10) as c:
            r = await c.post(
                "/api/v1/auth/token", json={"username": "admin", "password": ADMIN_PASSWORD}
            )
            h = {"Authorization": f"Bearer {r.json()['access_token']}"}

            async def submitter(n: int) -> None:
                i = 0
                while True:
                    try:
                        r = await c.post(
                            "/api/v1/events",
                            headers=h,
                            json={
                                "kind": "access.granted",
                                "source": f"GATE-{n}",
                                "payload": {"i": i},
                            },
                        )
                    except httpx.HTTPError:
                        return  # the server died: this one was never acknowledged
                    if r.status_code == 201:
                        acked.append(r.json()["event"]["id"])
                        if len(acked) >= 300:
                            enough.set()
                    i += 1

            tasks = [asyncio.create_task(submitter(n)) for n in range(16)]
            async with asyncio.timeout(60):
                await enough.wait()
            proc.send_signal(signal.SIGKILL)
            await asyncio.gather(*tasks)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    assert len(acked) >= 300
    engine = make_engine(db_url)
    with engine.connect() as conn:
        stored = set(conn.scalars(select(EventRow.id)))
    engine.dispose()
    missing = set(acked) - stored
    assert not missing, f"{len(missing)} acknowledged events lost"
    # and it starts again on the same data
    proc = _serve(tmp_path, port, db_url)
    try:
        await _wait_up(base, proc)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


class _Proxy:
    """A TCP proxy to PostgreSQL that the test can cut and restore."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        for w in list(self.writers):
            w.close()
        await self.server.wait_closed()

    async def _handle(self, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        ur, uw = await asyncio.open_connection("127.0.0.1", 5432)
        self.writers.update({w, uw})

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(r, uw), pipe(ur, w))


@pytest.mark.postgres
async def test_database_outage_refuses_then_recovers(tmp_path: Path, pg_db_url: str) -> None:
    db_url = pg_db_url
    port = free_port()
    proxy = _Proxy(port)
    await proxy.start()
    via_proxy = db_url.replace("127.0.0.1:5432", f"127.0.0.1:{port}")
    assert PG_ADMIN_URL  # the same server, reached through the proxy
    p = Platform(make_settings(tmp_path, database_url=via_proxy))
    await p.start()
    try:
        ok = await p.pipeline.submit(Event.create("access.granted", "G"))
        await proxy.cut()
        with pytest.raises(StorageUnavailable):
            await p.pipeline.submit(Event.create("access.granted", "G"))
        assert not p.writer.healthy
        await proxy.start()
        for _ in range(100):  # recovers by itself once the database is back
            try:
                again = await p.pipeline.submit(Event.create("access.granted", "G"))
                break
            except StorageUnavailable:
                await asyncio.sleep(0.1)
        else:
            raise AssertionError("writer did not recover")
        assert p.writer.healthy

        def stored_ids() -> set[str]:  # off the loop: the proxy runs on this loop
            with p.read_session() as s:
                return set(s.scalars(select(EventRow.id)))

        ids = await asyncio.to_thread(stored_ids)
        assert {ok.event.id, again.event.id} <= ids and len(ids) == 2
    finally:
        await p.stop()
        with contextlib.suppress(Exception):
            await proxy.cut()
