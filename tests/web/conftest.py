"""Fixtures for the console's tests: the real ``anfang serve`` on a free port, and Chromium."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from anfang.app.platform import Platform
from anfang.ingest.http_push import sign
from anfang.site.importer import import_site
from tests.conftest import ADMIN_PASSWORD, make_settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
STARTUP_TIMEOUT_S = 60.0


@dataclass
class Server:
    """A running ``anfang serve`` process."""

    base_url: str
    data_dir: Path
    process: subprocess.Popen[str]
    log: list[str] = field(default_factory=list)

    def client(self, token: str | None = None) -> httpx.Client:
        """A synchronous API client, authenticated when ``token`` is given."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=10.0)

    def admin_token(self) -> str:
        """A fresh bearer token of the first admin."""
        with self.client() as c:
            r = c.post("/api/v1/auth/token", json={"username": "admin", "password": ADMIN_PASSWORD})
            r.raise_for_status()
            token: str = r.json()["access_token"]
            return token

    def new_user(self, username: str, role: str, password: str) -> str:
        """Create a user as the admin and take its first login (the password someone else
        chose is changed to ``password``); returns the user's token."""
        first = f"first-{password}"
        with self.client(self.admin_token()) as c:
            body = {"username": username, "password": first, "role": role}
            r = c.post("/api/v1/users", json=body)
            assert r.status_code == 201, r.text
        with self.client() as anon:
            r = anon.post("/api/v1/auth/token", json={"username": username, "password": first})
            token: str = r.json()["access_token"]
            anon.headers["Authorization"] = f"Bearer {token}"
            change = {"current_password": first, "new_password": password}
            assert anon.post("/api/v1/me/password", json=change).status_code == 204
            return token


# A small community: two buildings, two perimeter zones, devices placed on the map.
SITE_FILE: dict[str, Any] = {
    "site": {"code": "TEST", "name": "测试小区", "map_width_m": 300, "map_height_m": 200},
    "buildings": [
        {"code": "B1", "name": "1号楼", "map_x": 90, "map_y": 80},
        {"code": "B2", "name": "2号楼", "map_x": 200, "map_y": 120},
    ],
    "zones": [
        {"code": "Z1", "name": "北围墙西段", "geometry": [[10, 10], [70, 10]]},
        {"code": "Z2", "name": "北围墙东段", "geometry": [[70, 10], [130, 10]]},
    ],
    "devices": [
        {
            "code": "PIR-Z1",
            "name": "北墙西红外对射",
            "type": "detector",
            "subsystem": "perimeter",
            "zone": "Z1",
            "map_x": 40,
            "map_y": 14,
        },
        {
            "code": "PIR-Z2",
            "name": "北墙东红外对射",
            "type": "detector",
            "subsystem": "perimeter",
            "zone": "Z2",
            "map_x": 100,
            "map_y": 14,
        },
        {
            "code": "CAM-B1",
            "name": "1号楼入口摄像机",
            "type": "camera",
            "subsystem": "video",
            "building": "B1",
            "map_x": 90,
            "map_y": 95,
        },
        {
            "code": "RD-B2",
            "name": "2号楼门禁读卡器",
            "type": "reader",
            "subsystem": "access",
            "building": "B2",
            "map_x": 200,
            "map_y": 135,
        },
        {"code": "GW-1", "name": "未标注位置的网关", "type": "gateway", "subsystem": "center"},
    ],
}


async def _seed(data_dir: Path) -> None:
    # Through the real importer, before the server owns the database (one writer at a time).
    platform = Platform(make_settings(data_dir))
    await platform.start()
    try:
        report = await import_site(platform, orjson.dumps(SITE_FILE), actor="test")
        assert not report.errors, report.errors
    finally:
        await platform.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _drain(proc: subprocess.Popen[str], log: list[str], ready: threading.Event) -> None:
    # Keeps the pipe from filling up and tells the fixture when uvicorn listens.
    assert proc.stdout is not None
    for line in proc.stdout:
        log.append(line.rstrip())
        if "Uvicorn running on" in line:
            ready.set()
    ready.set()  # the process ended: let the fixture see it


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``anfang serve`` on a free port with a fresh data directory holding SITE_FILE."""
    data_dir = tmp_path_factory.mktemp("anfang-data")
    # Playwright's sync API may already run an event loop in this thread.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _seed(data_dir)).result()
    with serve(data_dir, {"ANFANG_VIDEO_RECORDING": "false"}) as srv:
        yield srv


@contextlib.contextmanager
def serve(data_dir: Path, extra_env: dict[str, str] | None = None) -> Iterator[Server]:
    """Run ``anfang serve`` on a free port over ``data_dir`` until the block ends."""
    port = _free_port()
    env = {
        **os.environ,
        "ANFANG_DATA_DIR": str(data_dir),
        "ANFANG_SIA_PORT": "0",
        "ANFANG_INTERCOM_SIP_PORT": "0",
        "ANFANG_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "ANFANG_SQLITE_SYNCHRONOUS": "NORMAL",
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    cli = Path(sys.executable).with_name("anfang")
    proc = subprocess.Popen(
        [str(cli), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    log: list[str] = []
    ready = threading.Event()
    threading.Thread(target=_drain, args=(proc, log, ready), daemon=True).start()
    try:
        if not ready.wait(STARTUP_TIMEOUT_S) or proc.poll() is not None:
            pytest.fail("anfang serve did not start:\n" + "\n".join(log[-40:]))
        yield Server(f"http://127.0.0.1:{port}", data_dir, proc, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def signed_push(server: Server, device: str, secret: str, events: list[dict[str, Any]]) -> None:
    """Push events as device ``device`` does: the signed HTTP push (docs/http-push.md)."""
    body = orjson.dumps({"events": events})
    ts = str(int(time.time()))
    headers = {
        "X-Anfang-Device": device,
        "X-Anfang-Timestamp": ts,
        "X-Anfang-Signature": sign(secret, ts, body),
        "Content-Type": "application/json",
    }
    with httpx.Client(base_url=server.base_url, timeout=30) as c:
        r = c.post("/api/v1/ingest/events", content=body, headers=headers)
    assert r.status_code == 200, r.text
