"""What the uplink states for the compliance checker: the uppers configured, and which
accept anfang now."""

from __future__ import annotations

from datetime import UTC, datetime

from anfang.app.platform import Platform
from anfang.core.writer import WriteContext
from anfang.store.base import utcnow
from anfang.uplink.facts import source
from anfang.uplink.models import UpperPlatform


async def test_uppers_configured_and_accepting(platform: Platform) -> None:
    def job(ctx: WriteContext) -> None:
        for i, (proto, on) in enumerate(
            (("gb28181", True), ("gb28181", True), ("ga1400", True), ("gb28181", False))
        ):
            ctx.session.add(
                UpperPlatform(
                    name=f"u{i}",
                    protocol=proto,
                    enabled=on,
                    server_id="3" * 20,
                    host="h",
                    port=1,
                    local_id="4" * 20,
                    created_at=utcnow(),
                    updated_at=utcnow(),
                )
            )

    await platform.writer.run(job)
    with platform.read_session() as s:
        got = source(lambda pid: pid == 1)(s, datetime.now(UTC))
    assert got["uplink.gb28181"].value == 2 and got["uplink.ga1400"].value == 1
    assert got["uplink.gb28181_registered"].value == 1
    assert dict(got["uplink.gb28181"].items) == {"u0": True, "u1": False, "u2": False}
