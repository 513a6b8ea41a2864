"""The demo's monitoring centre: the administrator is on duty when the demo starts, with a
first line in the duty log, so the console's duty screen has a shift to show and hand over."""

from __future__ import annotations

import logging

from anfang.subsystems import SimContext
from anfang.subsystems.center import shifts
from anfang.subsystems.center.schemas import LogIn

log = logging.getLogger(__name__)


class DemoDuty:
    """Starts the demo's first shift (as an operator would, through the service)."""

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx

    async def start(self) -> None:
        """Put ``admin`` on duty unless someone already is."""
        platform = self.ctx.kernel
        with platform.read_session() as s:
            if shifts.current(s) is not None:
                return
        await shifts.start(platform, "user:admin")
        note = LogIn(category="note", text="演示小区：值班开始，系统自检正常。")
        await shifts.add_log(platform, "user:admin", note)
        log.info("demo: admin is on duty")

    async def stop(self) -> None:
        """Nothing to stop."""


def make_demo_duty(ctx: SimContext) -> DemoDuty:
    """The demo's first shift."""
    return DemoDuty(ctx)
