"""Interoperability: SIPp, an independent SIP implementation, plays the door station."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.subsystems.intercom.models import IntercomCall
from anfang.subsystems.intercom.sim_devices import SimulatedMonitor
from tests.conftest import free_port
from tests.subsystems.intercom.conftest import SECRETS, seed_unit, wait_for

SCENARIO = Path(__file__).parents[2] / "fixtures" / "intercom" / "sipp_door_station.xml"
pytestmark = pytest.mark.skipif(shutil.which("sipp") is None, reason="sipp (sip-tester) missing")


async def test_sipp_door_station_is_let_in(platform: Platform, tmp_path: Path) -> None:
    unit = await seed_unit(platform)
    mon = SimulatedMonitor(
        unit.monitor, unit.server, lambda: "unlock", ring_s=0.05, secret=SECRETS["IM-301"]
    )
    await mon.start()
    host, port = unit.server
    proc = await asyncio.create_subprocess_exec(
        "sipp",
        f"{host}:{port}",
        "-sf",
        str(SCENARIO),
        "-m",
        "1",
        "-i",
        "127.0.0.1",
        "-p",
        str(free_port()),
        "-timeout",
        "20s",
        "-nostdin",
        "-trace_err",
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await mon.stop()
    errors = await asyncio.to_thread(
        lambda: "".join(p.read_text(errors="replace") for p in tmp_path.glob("*_errors.log"))
    )
    assert proc.returncode == 0, out.decode(errors="replace")[-2000:] + errors

    def ended() -> bool:
        with platform.read_session() as s:
            row = s.scalar(select(IntercomCall))
            return row is not None and row.state == "ended"

    await wait_for(ended)
    with platform.read_session() as s:
        row = s.scalar(select(IntercomCall))
        assert row is not None and row.end_reason == "unlocked"
        assert row.door_station == "DS-B01-1" and row.unlocked_by == "monitor:IM-301"
