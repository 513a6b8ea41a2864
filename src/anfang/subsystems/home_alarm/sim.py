"""The home-alarm subsystem's simulators for ``anfang demo``: the community's household
panels and perimeter hosts (:mod:`.sim_panel`), each over SIA DC-09 to the receiver's port,
with their accounts created the way an installer would through the service."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from sqlalchemy import select

from anfang.store.models import Household, Site, Zone
from anfang.subsystems import SimContext
from anfang.subsystems.home_alarm import partitions, service
from anfang.subsystems.home_alarm.component import SIA_RECEIVER
from anfang.subsystems.home_alarm.models import AccountCreate, ZoneIn
from anfang.subsystems.home_alarm.sim_panel import (
    PanelStats,
    SimulatedSiaPanel,
    demo_key,
    play_household,
)

if TYPE_CHECKING:
    from anfang.kernel import Kernel

log = logging.getLogger(__name__)
# A panel reports a periodic test every ten minutes in the demo (real ones: daily).
TEST_INTERVAL_S = 600.0


@dataclass(frozen=True, slots=True)
class DemoAccount:
    """One simulated panel of the demo: its account and how it reports."""

    account: str
    kind: Literal["home", "perimeter"]
    key: bytes | None
    contact_id: bool


def demo_accounts(homes: int = 20, perimeter: int = 4) -> list[DemoAccount]:
    """Household panels 1001.. (every third AES-128, every fourth Contact ID), hosts 9001.."""
    out = [
        DemoAccount(f"{1001 + i}", "home", demo_key(f"{1001 + i}") if i % 3 == 0 else None,
                    i % 4 == 1)
        for i in range(homes)
    ]  # fmt: skip
    out += [DemoAccount(f"{9001 + i}", "perimeter", demo_key(f"{9001 + i}"), False)
            for i in range(perimeter)]  # fmt: skip
    return out


async def ensure_accounts(platform: Kernel, plans: Sequence[DemoAccount]) -> int:
    """Create the accounts that do not exist yet (homes tied to households); how many.

    Each perimeter host's beam zones 1..8 are mapped to the site's perimeter zones in turn,
    so that its intrusions land on the map and link to the nearest cameras.
    """

    def refs() -> tuple[list[int], int | None, set[str], list[int]]:
        with platform.read_session() as session:
            homes = list(session.scalars(select(Household.id).order_by(Household.id)))
            site = session.scalar(select(Site.id).order_by(Site.id).limit(1))
            have = {a.account for a in service.list_accounts(session)}
            fence = list(
                session.scalars(select(Zone.id).where(Zone.kind == "perimeter").order_by(Zone.code))
            )
        return homes, site, have, fence

    homes, site, have, fence = await asyncio.to_thread(refs)
    created = 0
    hosts = 0
    for i, plan in enumerate(plans):
        if plan.account in have:
            continue
        home = plan.kind == "home" and i < len(homes)
        data = AccountCreate(
            account=plan.account,
            kind=plan.kind,
            key=plan.key.hex() if plan.key else None,
            household_id=homes[i] if home else None,
            site_id=site,
        )
        await service.create_account(platform, "demo", data)
        created += 1
        if plan.kind == "perimeter" and fence:
            for z in range(1, 9):
                target = fence[(hosts * 8 + z - 1) % len(fence)]
                zone = ZoneIn(zone=str(z), zone_type="perimeter", site_zone_id=target)
                await partitions.put_zone(platform, "demo", plan.account, zone)
            hosts += 1
    return created


class PanelFleet:
    """The demo's simulated panels, each playing its life against one receiver port."""

    def __init__(
        self,
        host: str,
        port: int,
        plans: Sequence[DemoAccount],
        *,
        seed: int = 3,
        test_interval_s: float = 600.0,
        mean_gap_s: float = 180.0,
    ) -> None:
        self.panels = [
            SimulatedSiaPanel(host, port, p.account, p.key, contact_id=p.contact_id) for p in plans
        ]
        self._perimeter = {p.account for p in plans if p.kind == "perimeter"}
        self._rng = random.Random(seed)
        self._test_interval_s = test_interval_s
        self._mean_gap_s = mean_gap_s
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        """Start every panel."""
        for panel in self.panels:
            life = play_household(
                panel,
                random.Random(self._rng.random()),
                test_interval_s=self._test_interval_s,
                mean_gap_s=self._mean_gap_s,
                perimeter=panel.account in self._perimeter,
            )
            self._tasks.append(asyncio.create_task(life, name=f"sia-panel-{panel.account}"))

    async def stop(self) -> None:
        """Stop every panel and close its connection."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    def totals(self) -> PanelStats:
        """The sum of every panel's counters."""
        t = PanelStats()
        for p in self.panels:
            for name in ("sent", "acked", "retries", "naks", "refused", "lost"):
                setattr(t, name, getattr(t, name) + getattr(p.stats, name))
        return t


class DemoPanels:
    """The demo's panels as a simulator component: accounts first, then the fleet."""

    def __init__(self, ctx: SimContext, port: int) -> None:
        self.ctx = ctx
        self.port = port
        self.fleet: PanelFleet | None = None

    async def start(self) -> None:
        """Create the missing accounts and start every panel."""
        plans = demo_accounts()
        await ensure_accounts(self.ctx.kernel, plans)
        self.fleet = PanelFleet(
            _reachable(self.ctx.settings.sia_host),
            self.port,
            plans,
            test_interval_s=TEST_INTERVAL_S,
            mean_gap_s=180.0 / self.ctx.rate,
        )
        self.fleet.start()
        log.info("demo: %d simulated alarm panels over SIA DC-09", len(plans))

    async def stop(self) -> None:
        """Stop every panel."""
        if self.fleet is not None:
            await self.fleet.stop()


def _reachable(host: str) -> str:
    """The address that reaches a receiver listening on ``host`` from this machine."""
    return {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)


def make_demo_panels(ctx: SimContext) -> DemoPanels | None:
    """Simulator factory: the panels, when the SIA receiver runs."""
    sia = ctx.kernel.capabilities.get(SIA_RECEIVER)
    if sia is None:
        log.info("demo: no simulated alarm panels (the SIA DC-09 receiver is not running)")
        return None
    return DemoPanels(ctx, sia.tcp_port)
