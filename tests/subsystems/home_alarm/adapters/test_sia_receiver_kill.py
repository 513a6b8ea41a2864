"""SIGKILL of the server under load from simulated panels: no ACKed SIA event is lost."""

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

from anfang.store.base import make_engine
from anfang.store.models import EventRow
from anfang.subsystems.home_alarm.adapters.sia_dc09 import SiaEvent
from anfang.subsystems.home_alarm.sim_panel import SimulatedSiaPanel, demo_key
from tests.conftest import ADMIN_PASSWORD, free_port
from tests.store.test_durability import _wait_up

PANELS = [("2001", False), ("2002", True), ("2003", False), ("2004", True), ("2005", False)]


def _serve(data_dir: Path, port: int, sia_port: int, db_url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "ANFANG_DATA_DIR": str(data_dir),
        "ANFANG_PORT": str(port),
        "ANFANG_SIA_PORT": str(sia_port),
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
async def test_sigkill_loses_no_acknowledged_sia_event(tmp_path: Path, db_url: str) -> None:
    port, sia_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    proc = _serve(tmp_path, port, sia_port, db_url)
    acked: set[tuple[str, int]] = set()
    enough = asyncio.Event()
    try:
        await _wait_up(base, proc)
        async with httpx.AsyncClient(base_url=base, timeout=10) as c:
            r = await c.post(
                "/api/v1/auth/token", json={"username": "admin", "password": ADMIN_PASSWORD}
            )
            h = {"Authorization": f"Bearer {r.json()['access_token']}"}
            for account, aes in PANELS:
                body = {"account": account, **({"key": demo_key(account).hex()} if aes else {})}
                assert (await c.post("/api/v1/alarm-accounts", json=body, headers=h)).is_success

        async def panel_life(account: str, aes: bool) -> None:
            panel = SimulatedSiaPanel(
                "127.0.0.1", sia_port, account, demo_key(account) if aes else None,
                contact_id=False, ack_timeout_s=2.0, max_attempts=1,
            )  # fmt: skip
            try:
                for i in range(5000):
                    seq = panel.sequence
                    reply = await panel.send([SiaEvent("BA", zone=str(i % 999 + 1), partition="1")])
                    if reply != "ACK":
                        return  # the server died: this one was never acknowledged
                    acked.add((account, seq))
                    if len(acked) >= 400:
                        enough.set()
            finally:
                await panel.close()

        tasks = [asyncio.create_task(panel_life(a, k)) for a, k in PANELS]
        async with asyncio.timeout(60):
            await enough.wait()
        proc.send_signal(signal.SIGKILL)
        await asyncio.gather(*tasks)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    assert len(acked) >= 400
    engine = make_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(select(EventRow.source, EventRow.payload)).all()
    engine.dispose()
    stored = {(p["account"], p["sequence"]) for _, p in rows if "sequence" in (p or {})}
    missing = acked - stored
    assert not missing, f"{len(missing)} acknowledged SIA events lost: {sorted(missing)[:5]}"
    # and it starts again on the same data
    proc = _serve(tmp_path, port, sia_port, db_url)
    try:
        await _wait_up(base, proc)
    finally:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=30)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
