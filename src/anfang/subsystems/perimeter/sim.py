"""The perimeter subsystem's simulator for ``anfang demo``: the community's active infrared
beams, each an HTTP push device (docs/http-push.md) that reports an intrusion now and then
and its restore 15 s later, plus one intrusion a few seconds after start, so that a
newcomer sees an alarm in the first minute."""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

from sqlalchemy import select

from anfang.ingest.sim_runner import Activity, PayloadFn, SimRunner
from anfang.store.models import Device
from anfang.subsystems import SimContext

log = logging.getLogger(__name__)
HEARTBEAT_S = 20.0
# One intrusion every minute and a half across the demo's 20 perimeter zones.
INTRUSIONS_PER_MINUTE = 0.034
FIRST_AFTER_S = 5.0
RESTORE_AFTER_S = 15.0


def _payload(zone: str | None) -> PayloadFn:
    def payload(rng: random.Random) -> dict[str, Any]:
        return {"zone": zone, "detector": "active_infrared", "beam": rng.randint(1, 4)}

    return payload


class DemoBeams:
    """The simulated beams as a simulator component."""

    def __init__(self, ctx: SimContext, beams: list[dict[str, Any]]) -> None:
        self.ctx = ctx
        self.beams = beams
        self.runner = SimRunner(ctx.base_url, seed=13)

    def _secrets(self) -> dict[str, str]:
        # As an installer would: the devices' secrets as configured in anfang.
        codes = [b["code"] for b in self.beams]
        with self.ctx.kernel.read_session() as s:
            rows = s.execute(
                select(Device.code, Device.secret).where(
                    Device.code.in_(codes), Device.enabled.is_(True)
                )
            ).all()
        return {code: secret for code, secret in rows if secret}

    async def start(self) -> None:
        """Start every beam and the first intrusion."""
        secrets = await asyncio.to_thread(self._secrets)
        for beam in self.beams:
            if beam["code"] not in secrets:
                continue
            activity = Activity(
                "perimeter.intrusion",
                INTRUSIONS_PER_MINUTE * self.ctx.rate,
                _payload(beam.get("zone")),
                then="perimeter.restore",
                then_after_s=RESTORE_AFTER_S,
            )
            self.runner.add(
                beam["code"], secrets[beam["code"]], [activity], heartbeat_s=HEARTBEAT_S
            )
        await self.runner.start()
        self.runner.spawn(self._first(), "sim-first-intrusion")
        log.info("demo: %d simulated perimeter beams over HTTP push", len(self.runner.devices))

    async def _first(self) -> None:
        await asyncio.sleep(FIRST_AFTER_S)
        if not self.runner.devices:
            return
        code, dev = next(iter(self.runner.devices.items()))
        zone = next(b.get("zone") for b in self.beams if b["code"] == code)
        payload = {"zone": zone, "detector": "active_infrared", "beam": 1}
        dev.emit("perimeter.intrusion", payload)
        await asyncio.sleep(RESTORE_AFTER_S)
        dev.emit("perimeter.restore", payload)

    async def stop(self) -> None:
        """Stop the beams (queued events get a moment to be delivered)."""
        await self.runner.stop(flush_timeout=3.0)


def make_demo_beams(ctx: SimContext) -> DemoBeams | None:
    """Simulator factory: the site's infrared beams (none when it has no such device)."""
    beams = [d for d in ctx.community.devices if d.get("type") == "ir_beam"]
    return DemoBeams(ctx, beams) if beams else None
