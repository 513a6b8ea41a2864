"""The writer hook that opens repair records from what devices report, in the report's own
transaction: a guard's damage report (``physical.damage`` from a patrol reader or phone,
``{"item": "F-03", "description": "围栏被剪开约1米"}``) and a perimeter detector's tamper
(``perimeter.tamper``: the fence of its zone). A tamper already under repair opens nothing
new (detectors repeat themselves)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.core.events import Event
from anfang.core.writer import WriteContext
from anfang.subsystems.physical.models import PhysicalItem, PhysicalRepair
from anfang.subsystems.physical.service import open_repair


class DamageHook:
    """Opens repair records for damage reports and tampers."""

    def load(self, session: Session) -> None:
        """Nothing cached: reports are rare."""

    def on_changed(self, ctx: WriteContext, topics: set[str]) -> None:
        """Nothing cached."""

    def prepare(self, ctx: WriteContext, events: list[Event]) -> list[Event]:
        """Nothing to add before insertion."""
        return []

    def after_insert(self, ctx: WriteContext, events: list[Event]) -> None:
        """Open the records (the events' zones are known by now)."""
        for ev in events:
            if ev.kind == "physical.damage":
                self._report(ctx, ev)
            elif ev.kind == "perimeter.tamper":
                self._tamper(ctx, ev)

    def _report(self, ctx: WriteContext, ev: Event) -> None:
        p = ev.payload
        code = p.get("item")
        item = (
            ctx.session.scalars(select(PhysicalItem).where(PhysicalItem.code == code)).first()
            if isinstance(code, str)
            else None
        )
        text = p.get("description")
        description = (
            text.strip()[:400] if isinstance(text, str) and text.strip() else "损坏（未说明）"
        )
        if item is None and isinstance(code, str):
            description = f"{description}（未登记的设施 {code[:40]}）"
        who = p.get("guard") if isinstance(p.get("guard"), str) else ev.source
        open_repair(
            ctx, item=item, source="report", ref=ev.id, description=description,
            by=f"device:{ev.source}/{who}",
        )  # fmt: skip

    def _tamper(self, ctx: WriteContext, ev: Event) -> None:
        busy = ctx.session.scalars(
            select(PhysicalRepair.id).where(
                PhysicalRepair.source == "tamper",
                PhysicalRepair.source_ref == ev.source[:64],
                PhysicalRepair.state != "closed",
            )
        ).first()
        if busy is not None:
            return
        item = None
        if ev.zone_id is not None:
            item = ctx.session.scalars(
                select(PhysicalItem).where(
                    PhysicalItem.zone_id == ev.zone_id, PhysicalItem.kind.in_(("fence", "wall"))
                )
            ).first()
        open_repair(
            ctx, item=item, source="tamper", ref=ev.source,
            description=f"周界探测器 {ev.source} 防拆报警：检查探测器与围栏", by="platform",
            days=2,
        )  # fmt: skip
