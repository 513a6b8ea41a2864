"""Shared fixtures: settings on a temporary data dir, a running app, tokens, PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from anfang.app.http import create_app
from anfang.app.platform import Platform
from anfang.config import Settings

ADMIN_PASSWORD = "test-admin-password-1"
PG_ADMIN_URL = os.environ.get(
    "ANFANG_TEST_PG", "postgresql://postgres:postgres@127.0.0.1:5432/postgres"
)


def make_settings(tmp: Path, **over: object) -> Settings:
    """Settings for a test instance under ``tmp``."""
    base: dict[str, object] = {
        "data_dir": tmp,
        "admin_password": ADMIN_PASSWORD,
        "sqlite_synchronous": "NORMAL",
        "login_lockout_seconds": 1.0,
        "sia_port": 0,  # any free port: tests never collide with a running demo
        "intercom_sip_port": 0,
        "video_recording": False,  # the video tests switch it on where they record
    }
    base.update(over)
    return Settings.model_validate(base)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings on a fresh SQLite database in a temporary directory."""
    return make_settings(tmp_path)


@pytest.fixture
async def platform(settings: Settings) -> AsyncIterator[Platform]:
    """A started platform."""
    plat = Platform(settings)
    await plat.start()
    try:
        yield plat
    finally:
        await plat.stop()


@pytest.fixture
async def app_client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in-process (platform already started)."""
    app = create_app(platform.settings, platform=platform)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://anfang.test") as c:
        yield c


async def login(client: httpx.AsyncClient, username: str, password: str) -> str:
    """Log in and return the bearer token."""
    r = await client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    token: str = r.json()["access_token"]
    return token


async def first_login(client: httpx.AsyncClient, username: str, temporary: str) -> str:
    """Log in with a password an administrator set and choose one's own (which the API
    requires before anything else); the token, still valid."""
    token = await login(client, username, temporary)
    change = {"current_password": temporary, "new_password": f"{temporary}-own"}
    r = await client.post(
        "/api/v1/me/password", json=change, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 204, r.text
    return token


@pytest.fixture
async def admin_token(app_client: httpx.AsyncClient) -> str:
    """A bearer token of the first admin."""
    return await login(app_client, "admin", ADMIN_PASSWORD)


def auth(token: str) -> dict[str, str]:
    """The Authorization header for ``token``."""
    return {"Authorization": f"Bearer {token}"}


def pg_url(database: str) -> str:
    """The SQLAlchemy URL of ``database`` on the test PostgreSQL server."""
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{database}"


@contextlib.contextmanager
def fresh_pg_database() -> Iterator[str]:
    """Create a PostgreSQL database for one test and drop it afterwards; yields its URL."""
    name = f"anfang_t_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield pg_url(name)
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL for each backend: a temporary SQLite file, a fresh PostgreSQL db."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'anfang.db'}"
        return
    with fresh_pg_database() as url:
        yield url


@pytest.fixture
def pg_db_url() -> Iterator[str]:
    """A fresh PostgreSQL database only (for behaviour SQLite does not have)."""
    with fresh_pg_database() as url:
        yield url


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def serving(platform: Platform, **options: Any) -> AsyncIterator[int]:
    """``platform``'s app served by uvicorn over real TCP in this event loop (uvicorn
    ``options`` added); yields the port."""
    import asyncio

    import uvicorn

    port = free_port()
    app = create_app(platform.settings, platform=platform)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", **options
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def live_server(platform: Platform) -> AsyncIterator[str]:
    """The app served by uvicorn over real TCP in this event loop; yields its base URL."""
    async with serving(platform, ws="websockets-sansio") as port:
        yield f"http://127.0.0.1:{port}"


@contextlib.asynccontextmanager
async def ws_session(url: str, token: str) -> AsyncIterator[Any]:
    """A WebSocket to ``url`` authenticated by its first message (never the URL); the
    server's ``auth.ok`` is read already."""
    import json

    import websockets

    async with websockets.connect(url) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        assert json.loads(await ws.recv()) == {"type": "auth.ok"}
        yield ws


def spawn_server(
    data_dir: Path, port: int, *, log: Any = None, group: bool = False, **settings: str
) -> subprocess.Popen[bytes]:
    """``anfang serve`` in a process of its own on ``port`` (SIA and SIP on free ports),
    with ``settings`` as ``ANFANG_*`` variables; output to ``log`` (default: dropped);
    ``group``: in a process group of its own (its id the server's pid), as in a terminal."""
    env = {
        **os.environ,
        "ANFANG_DATA_DIR": str(data_dir),
        "ANFANG_PORT": str(port),
        "ANFANG_SIA_PORT": "0",
        "ANFANG_INTERCOM_SIP_PORT": "0",
        "ANFANG_ADMIN_PASSWORD": ADMIN_PASSWORD,
        **{f"ANFANG_{k.upper()}": v for k, v in settings.items()},
    }
    out = log if log is not None else subprocess.DEVNULL
    return subprocess.Popen(
        [sys.executable, "-m", "anfang.cli", "serve"],
        env=env,
        stdout=out,
        stderr=out,
        start_new_session=group,
    )
