"""The demo's monitoring centre: the administrator is on duty when the demo starts, with a
first line in the duty log, and one linkage rule (an intrusion pops up the zone's camera),
so the console's duty screen and rule list have something to show."""

from __future__ import annotations

import logging

from anfang.subsystems import SimContext
from anfang.subsystems.center import rules, shifts
from anfang.subsystems.center.schemas import LogIn, RuleIn

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
        rule = RuleIn.model_validate(
            {
                "name": "周界入侵联动弹窗",
                "kinds": ["perimeter.intrusion"],
                "actions": [{"type": "popup", "title": "周界入侵：联动画面"}],
            }
        )
        await rules.save(platform, platform.secrets, "installer", rule)
        log.info("demo: admin is on duty; one linkage rule")

    async def stop(self) -> None:
        """Nothing to stop."""


def make_demo_duty(ctx: SimContext) -> DemoDuty:
    """The demo's first shift."""
    return DemoDuty(ctx)
