"""``run_demo``: seeds the community through the importers, serves, simulates, stops."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import httpx
from sqlalchemy import func, select

from anfang.app.platform import Platform
from anfang.sim.community import build_demo_site
from anfang.sim.demo import SILENT_DEVICE, DemoTempo, run_demo, seed_if_empty
from anfang.store.models import Device, EventRow, Household, Resident, Site, Zone
from tests.conftest import ADMIN_PASSWORD, make_settings


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as s:
        port: int = s.getsockname()[1]
        return port


async def test_seeding_imports_the_whole_community_once(platform: Platform) -> None:
    community = build_demo_site()
    assert await seed_if_empty(platform, community)
    assert not await seed_if_empty(platform, community)
    with platform.read_session() as s:
        assert s.scalar(select(func.count()).select_from(Site)) == 1
        assert s.scalar(select(func.count()).select_from(Household)) == len(community.households())
        assert s.scalar(select(func.count()).select_from(Resident)) == len(community.residents)
        assert s.scalar(select(func.count()).select_from(Device)) == len(community.devices)
        lengths = s.scalars(select(Zone.length_m).where(Zone.kind == "perimeter")).all()
    assert len(lengths) >= 18 and all(x is not None and x <= 70 for x in lengths)


async def test_demo_runs_devices_over_http_and_stops_cleanly(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, port=free_port(), supervision_interval_seconds=0.3)
    community = build_demo_site()
    for d in community.devices:
        if d["code"] == SILENT_DEVICE:
            d["expected_interval_s"] = 2  # so that supervision notices within the test
    ready, stop = asyncio.Event(), asyncio.Event()
    tempo = DemoTempo(heartbeat_s=1.0, silent_after_s=0.5, rate=10.0)
    demo = asyncio.create_task(
        run_demo(settings, ready=ready, stop=stop, tempo=tempo, community=community)
    )
    try:
        # Generous: before its terminals present anything, the access simulator enrols its
        # residents' faces (dlib, in the face worker), over a minute on a slow 2-core host.
        async with asyncio.timeout(240):
            await asyncio.wait(
                {asyncio.ensure_future(ready.wait()), demo}, return_when=asyncio.FIRST_COMPLETED
            )
            assert ready.is_set(), demo.result()
            url = f"http://127.0.0.1:{settings.port}"
            async with httpx.AsyncClient(base_url=url) as client:
                r = await client.post(
                    "/api/v1/auth/token", json={"username": "admin", "password": ADMIN_PASSWORD}
                )
                auth = {"Authorization": f"Bearer {r.json()['access_token']}"}
                wanted = [
                    ("access.granted", "GATE-S-P1"),
                    ("access.granted", "GATE-N-P1"),
                    ("patrol.checkpoint", None),
                    ("parking.entry", "LPR-P1-IN"),
                    ("device.offline", SILENT_DEVICE),
                    ("home_alarm.test", None),  # from the simulated SIA DC-09 panels
                ]
                while wanted:
                    kind, source = wanted[0]
                    params = {"kind": kind, "limit": "1", **({"source": source} if source else {})}
                    page = await client.get("/api/v1/events", params=params, headers=auth)
                    assert page.status_code == 200, page.text
                    items = page.json()["items"]
                    if items:
                        if kind.startswith("home_alarm."):
                            assert "account" in items[0]["payload"], items[0]
                        wanted.pop(0)
                    else:
                        await asyncio.sleep(0.2)
    finally:
        stop.set()
        await asyncio.wait_for(demo, 30)
    platform = Platform(settings)  # the database is closed and consistent after stopping
    with platform.read_session() as s:
        sources = set(s.scalars(select(EventRow.source).where(EventRow.kind == "access.granted")))
        offline = s.scalars(select(EventRow.source).where(EventRow.kind == "device.offline")).all()
    platform.engine.dispose()
    assert {"GATE-S-P1", "GATE-N-P1"} <= sources
    assert SILENT_DEVICE in offline
