"""The guard tour's simulator for ``anfang demo``: four guards walking four routes every
half hour with patrol readers and a phone that report over the signed HTTP push interface
(``POST /ingest/events``), like real ones.

- 甲 (PR-01) walks the east route on time, and swipes the guard-room checkpoint when the
  demo starts (the shift's first swipe), so that a check-in shows at once;
- 乙 (PR-02) walks the west route, now and then starting late or dawdling;
- 丙 (PR-03) walks the centre route with a reader docked only at the end of the round (its
  swipes arrive in one batch with their original times) and skips a point now and then;
- 丁 (PR-04, a phone) is on the schedule of the north route and never starts it.

The checkpoints, guards, routes and schedules are set up first, as an installer would,
when the site has none.
"""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from anfang.ingest.sim_device import SimulatedHttpDevice
from anfang.ingest.sim_runner import SimRunner
from anfang.store.models import Device
from anfang.subsystems import SimContext
from anfang.subsystems.patrol import service as svc
from anfang.subsystems.patrol.models import PatrolCheckpoint, PatrolGuard
from anfang.subsystems.patrol.schemas import CheckpointIn, GuardIn, RouteIn, RoutePoint, ScheduleIn

log = logging.getLogger(__name__)
EVERY_MIN = 30
STEP_MIN = 1.5  # expected minutes between two points
MINUTE_S = 60.0  # a walking minute (tests shorten it)
# (guard code, name, reader, route code, route name, checkpoints, behaviour)
GUARDS: list[tuple[str, str, str, str, str, list[int], str]] = [
    ("G01", "巡更员甲", "PR-01", "R-E", "东线", [1, 9, 10, 8, 7, 6], "punctual"),
    ("G02", "巡更员乙", "PR-02", "R-W", "西线", [1, 2, 3, 4, 5], "dawdler"),
    ("G03", "巡更员丙", "PR-03", "R-C", "中心线", [1, 11, 12, 10], "skipper"),
    ("G04", "巡更员丁", "PR-04", "R-N", "北线", [6, 7, 8], "absent"),
]


async def seed(ctx: SimContext) -> None:
    """Set up the demo's checkpoints, guards, routes and schedules (once)."""
    kernel = ctx.kernel

    def have() -> int:
        with kernel.read_session() as s:
            return int(s.scalar(select(func.count()).select_from(PatrolCheckpoint)) or 0)

    if await asyncio.to_thread(have) or not ctx.community.checkpoints:
        return
    ids: dict[int, int] = {}
    for i, cp in enumerate(ctx.community.checkpoints, 1):
        data = CheckpointIn(
            code=cp["code"], name=cp["name"], tag=cp["tag"], map_x=cp["x"], map_y=cp["y"]
        )
        ids[i] = (await svc.create(kernel, "demo", PatrolCheckpoint, data)).id
    for code, name, _reader, rcode, rname, points, _how in GUARDS:
        guard = await svc.create(kernel, "demo", PatrolGuard, GuardIn(code=code, name=name))
        route_points = [
            RoutePoint(checkpoint_id=ids[p], after_min=0 if k == 0 else STEP_MIN)
            for k, p in enumerate(points)
        ]
        route, _, _ = await svc.save_route(
            kernel, "demo", RouteIn(code=rcode, name=rname, points=route_points, tolerance_min=2)
        )
        schedule = ScheduleIn(
            route_id=route.id, name=f"{rname}·全天", guard_id=guard.id, every_min=EVERY_MIN,
            start_window_min=5,
        )  # fmt: skip
        await svc.save_schedule(kernel, "demo", schedule)
    log.info("demo: guard tour set up: %d checkpoints, %d routes", len(ids), len(GUARDS))


class DemoGuards:
    """The simulated guards as a simulator component."""

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.runner = SimRunner(ctx.base_url, seed=21)
        self.rng = random.Random(21)
        self.tz = ZoneInfo(ctx.settings.site_timezone)
        self.tags = {i: cp["tag"] for i, cp in enumerate(ctx.community.checkpoints, 1)}

    def _secrets(self) -> dict[str, str]:
        codes = [g[2] for g in GUARDS]
        with self.ctx.kernel.read_session() as s:
            rows = s.execute(
                select(Device.code, Device.secret).where(
                    Device.code.in_(codes), Device.enabled.is_(True)
                )
            ).all()
        return {code: secret for code, secret in rows if secret}

    async def start(self) -> None:
        """Set up the tour and send the guards out."""
        await seed(self.ctx)
        secrets = await asyncio.to_thread(self._secrets)
        for code, _name, reader, _r, _rn, points, how in GUARDS:
            if reader not in secrets:
                continue
            beat = None if how == "skipper" else 60.0
            self.runner.add(reader, secrets[reader], [], heartbeat_s=beat, backoff_max_s=5.0)
            dev = self.runner.devices[reader]
            if how == "punctual":
                dev.emit("patrol.checkpoint", self._swipe(points[0], code))
            if how != "absent":
                self.runner.spawn(self._walk(dev, code, points, how), f"sim-guard-{code}")
        await self.runner.start()
        log.info("demo: %d simulated guards over HTTP push", len(self.runner.devices))

    def _swipe(self, point: int, guard: str) -> dict[str, Any]:
        return {"tag": self.tags[point], "tag_kind": "rfid", "guard": guard}

    def _next_start(self, now: datetime) -> datetime:
        local = now.astimezone(self.tz)
        base = local.replace(minute=0, second=0, microsecond=0)
        k = local.minute // EVERY_MIN + 1
        return (base + timedelta(minutes=k * EVERY_MIN)).astimezone(UTC)

    async def _walk(
        self, dev: SimulatedHttpDevice, guard: str, points: list[int], how: str
    ) -> None:
        while True:
            start = self._next_start(datetime.now(UTC))
            delay = self.rng.uniform(0, 1) * MINUTE_S
            if how == "dawdler" and self.rng.random() < 0.3:
                delay += self.rng.uniform(6, 9) * MINUTE_S  # past the 5-minute start window
            wait = (start - datetime.now(UTC)).total_seconds() + delay
            await asyncio.sleep(max(wait, 0.0))
            skip = (
                self.rng.randrange(1, len(points))
                if how == "skipper" and self.rng.random() < 0.5
                else -1
            )
            dev.silent = how == "skipper"  # docked only after the round
            for k, point in enumerate(points):
                if k:
                    slow = 2.2 if how == "dawdler" and self.rng.random() < 0.2 else 1.0
                    await asyncio.sleep(STEP_MIN * MINUTE_S * slow * self.rng.uniform(0.85, 1.1))
                if k != skip:
                    dev.emit("patrol.checkpoint", self._swipe(point, guard))
            dev.silent = False

    async def stop(self) -> None:
        """Stop the guards (queued swipes get a moment to be delivered)."""
        await self.runner.stop(flush_timeout=3.0)


def make_demo_guards(ctx: SimContext) -> DemoGuards | None:
    """Simulator factory: the guards (none when the site has no checkpoints)."""
    return DemoGuards(ctx) if ctx.community.checkpoints else None
