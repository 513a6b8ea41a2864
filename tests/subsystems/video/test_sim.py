"""The demo's simulated cameras: registered like an installer would, and recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.subsystems import SimContext
from anfang.subsystems.video.models import Camera
from anfang.subsystems.video.recorder import RECORDER
from anfang.subsystems.video.sim import SYSTEM_PYTHON, make_demo_cameras
from tests.subsystems.video.helpers import add_devices, wait_for

pytestmark = pytest.mark.skipif(
    not Path(SYSTEM_PYTHON).exists(), reason="Debian's python3 with GStreamer is missing"
)


async def test_demo_cameras_register_and_record(platform: Platform, tmp_path: Path) -> None:
    await add_devices(platform, [f"CAM-{i:02d}" for i in range(1, 7)])
    ctx = SimContext(
        kernel=platform,
        settings=platform.settings,
        base_url="http://127.0.0.1:1",
        host="127.0.0.1",
        community=None,  # type: ignore[arg-type]
        rate=1.0,
        work_dir=tmp_path / "sim",
    )
    sims = make_demo_cameras(ctx)
    assert sims is not None
    await sims.start()
    try:
        with platform.read_session() as s:
            cams = list(s.scalars(select(Camera).order_by(Camera.id)))
        # every camera of the site streams (none listed that does not), the first 4 record
        assert len(cams) == 6 and all(c.password_sealed is not None for c in cams)
        assert all("demo1234" not in c.main_url for c in cams)
        assert [c.record for c in cams] == [True] * 4 + [False] * 2
        cams = cams[:4]
        rec: Any = platform.capabilities.require(RECORDER)

        async def all_recording() -> bool:
            return all((rec.status(c.id) or {}).get("state") == "recording" for c in cams)

        await wait_for(all_recording, limit=30, what="demo cameras recording")
    finally:
        await sims.stop()
