"""The writer hook that records what devices report about barriers, in the report's own
transaction: a guard's inspection at the item's checkpoint (``physical.inspection`` from a
patrol reader or phone, ``{"item": "F-03", "results": [{"check": "无破损、无缺口", "ok":
false, "note": "网片破洞"}]}``: a failed line opens a repair record), a guard's damage report
(``physical.damage``, ``{"item": "F-03", "description": "围栏被剪开约1米"}``) and a perimeter
detector's tamper (``perimeter.tamper``: the fence of its zone). A tamper already under
repair opens nothing new (detectors repeat themselves). A report naming no known item, or
results that are not a list of checks, is kept with the event and its reason."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.core.events import Event
from anfang.core.writer import WriteContext
from anfang.subsystems.physical.models import PhysicalInspection, PhysicalItem, PhysicalRepair
from anfang.subsystems.physical.service import open_repair


class DamageHook:
    """Opens repair records for damage reports and tampers."""

    def load(self, session: Session) -> None:
        """Nothing cached: reports are rare."""

    def on_changed(self, ctx: WriteContext, topics: set[str]) -> None:
        """Nothing cached."""

    def prepare(self, ctx: WriteContext, events: list[Event]) -> list[Event]:
        """Mark an inspection that cannot be recorded with why (before it is stored)."""
        for ev in events:
            if ev.kind == "physical.inspection":
                item, results = self._parse(ctx, ev)
                if item is None or not results:
                    why = "unknown item" if item is None else "results: a list of {check, ok}"
                    ev.payload["refused"] = why
        return []

    @staticmethod
    def _parse(ctx: WriteContext, ev: Event) -> tuple[PhysicalItem | None, list[dict[str, Any]]]:
        p = ev.payload
        code = p.get("item")
        item = (
            ctx.session.scalars(select(PhysicalItem).where(PhysicalItem.code == code)).first()
            if isinstance(code, str)
            else None
        )
        raw = p.get("results")
        results = [
            {"check": str(r["check"])[:100], "ok": r["ok"], "note": str(r.get("note", ""))[:300]}
            for r in raw if isinstance(r, dict) and isinstance(r.get("check"), str)
            and isinstance(r.get("ok"), bool)
        ] if isinstance(raw, list) else []  # fmt: skip
        return item, results

    def after_insert(self, ctx: WriteContext, events: list[Event]) -> None:
        """Open the records (the events' zones are known by now)."""
        for ev in events:
            if ev.kind == "physical.inspection":
                self._inspection(ctx, ev)
            elif ev.kind == "physical.damage":
                self._report(ctx, ev)
            elif ev.kind == "perimeter.tamper":
                self._tamper(ctx, ev)

    def _inspection(self, ctx: WriteContext, ev: Event) -> None:
        p = ev.payload
        item, results = self._parse(ctx, ev)
        if item is None or not results:
            return  # marked refused before it was stored
        who = p.get("guard") if isinstance(p.get("guard"), str) else ev.source
        failed = [r for r in results if not r["ok"]]
        row = PhysicalInspection(
            item_id=item.id, at=ev.occurred_at, inspector=f"device:{ev.source}/{who}"[:64],
            results=results, passed=not failed,
        )  # fmt: skip
        ctx.session.add(row)
        ctx.session.flush()
        if failed:
            what = "；".join(r["check"] + (f"：{r['note']}" if r["note"] else "") for r in failed)
            repair = open_repair(
                ctx, item=item, source="inspection", ref=f"inspection:{row.id}",
                description=f"巡查未通过：{what}", by=row.inspector,
            )  # fmt: skip
            row.repair_id = repair.id

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
