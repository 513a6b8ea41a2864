"""The demo's simulated intercom: seeded like an installer would, calling over SIP."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.sim.community import DemoCommunity
from anfang.store.models import Device
from anfang.subsystems import SimContext
from anfang.subsystems.intercom.models import IntercomCall
from anfang.subsystems.intercom.service import INTERCOM
from anfang.subsystems.intercom.sim import make_demo_intercom
from tests.subsystems.intercom.conftest import seed_unit, wait_for


async def test_demo_devices_register_and_visitors_call(platform: Platform, tmp_path: Path) -> None:
    await seed_unit(platform)
    ctx = SimContext(
        kernel=platform,
        settings=platform.settings,
        base_url="http://127.0.0.1:1",
        host="127.0.0.1",
        community=DemoCommunity(site_file={"devices": []}),
        rate=2000.0,  # a visitor right away
        work_dir=tmp_path,
    )
    sim = make_demo_intercom(ctx)
    assert sim is not None
    await sim.start()
    try:
        svc = platform.capabilities.require(INTERCOM)

        def started() -> bool:
            with platform.read_session() as s:
                return s.scalar(select(IntercomCall.id).limit(1)) is not None

        await wait_for(started, within_s=10)
        assert {"DS-B01-1", "IM-1"} <= set(getattr(svc, "bindings", {}))  # household 1
    finally:
        await sim.stop()
    with platform.read_session() as s:
        codes = set(s.scalars(select(Device.code).where(Device.subsystem == "intercom")))
    assert "DS-B01-1" in codes and any(c.startswith("IM-") for c in codes)
