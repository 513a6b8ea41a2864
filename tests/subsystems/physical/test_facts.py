"""What physical protection states for the compliance checker: fence heights, bar gaps,
low rails."""

from __future__ import annotations

from datetime import UTC, datetime

from anfang.app.platform import Platform
from anfang.core.writer import WriteContext
from anfang.store.models import Site
from anfang.subsystems.physical.facts import facts
from anfang.subsystems.physical.models import PhysicalItem


async def test_fences(platform: Platform) -> None:
    def job(ctx: WriteContext) -> None:
        site = Site(code="t", name="t")
        ctx.session.add(site)
        ctx.session.flush()
        for code, kind, h, gap, rails in (
            ("W1", "wall", 2.2, None, False),
            ("F1", "fence", 1.6, 12.0, True),
            ("B1", "bollard", 0.8, None, False),
        ):
            ctx.session.add(
                PhysicalItem(
                    site_id=site.id,
                    code=code,
                    name=code,
                    kind=kind,
                    height_m=h,
                    bar_gap_cm=gap,
                    low_rails=rails,
                )
            )

    await platform.writer.run(job)
    with platform.read_session() as s:
        got = facts(s, datetime.now(UTC))
    assert got["physical.fences"].value == 2
    assert got["physical.fence_height_m"].value == 1.6
    assert dict(got["physical.fence_height_m"].items) == {"W1": 2.2, "F1": 1.6}
    assert got["physical.bar_gap_cm"].value == 12.0 and got["physical.low_rails"].value is True
