"""The writer hook that decides every ``parking.plate`` read as it is stored: the plate
canonical (or why it is not one), the lane's lot and direction, the vehicle's class, the
barrier's decision, the parking session opened or closed, and the events that follow
(``parking.entry``/``parking.exit``, ``parking.blacklist`` for the P1 alarm,
``parking.unmatched_exit``), all in the read's own transaction: an acknowledged read has
its decision and its session."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prometheus_client import Counter
from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.core.events import Event
from anfang.core.writer import WriteContext
from anfang.subsystems.parking.adapters.plates import PlateError, near, parse
from anfang.subsystems.parking.decide import Decision, Lane, Listed, decide
from anfang.subsystems.parking.models import (
    ParkingInvite,
    ParkingLane,
    ParkingLot,
    ParkingSession,
    ParkingVehicle,
)

TOPIC = "parking_config"
READS = Counter("anfang_parking_reads_total", "Plate reads by verdict", ["verdict"])


@dataclass(frozen=True, slots=True)
class _Lane:
    id: int
    lot_id: int
    lot: str
    rule: Lane
    barrier: str | None


OpenFn = Callable[[str, str, str], None]  # barrier code, plate, why: called after commit


class ReadHook:
    """Decides plate reads; keeps lanes, lists and invitations cached."""

    def __init__(self, on_open: OpenFn | None = None) -> None:
        self.lanes: dict[str, _Lane] = {}
        self.listed: dict[str, Listed] = {}
        self.invites: dict[str, list[tuple[datetime, datetime]]] = {}
        self.on_open = on_open

    def load(self, session: Session) -> None:
        """Cache every lane, listed vehicle and open invitation."""
        lots = {lot.id: lot.code for lot in session.scalars(select(ParkingLot))}
        self.lanes = {
            ln.device_code: _Lane(
                ln.id, ln.lot_id, lots.get(ln.lot_id, ""),
                Lane(ln.direction, ln.open_visitors, ln.open_unknown), ln.barrier,
            )
            for ln in session.scalars(select(ParkingLane))
        }  # fmt: skip
        self.listed = {
            v.plate: Listed(v.list, v.valid_from, v.valid_until, v.reason, v.household_id)
            for v in session.scalars(select(ParkingVehicle))
        }
        invites: dict[str, list[tuple[datetime, datetime]]] = {}
        for inv in session.scalars(select(ParkingInvite).where(ParkingInvite.revoked.is_(False))):
            invites.setdefault(inv.plate, []).append((inv.valid_from, inv.valid_until))
        self.invites = invites

    def on_changed(self, ctx: WriteContext, topics: set[str]) -> None:
        """Reload after a configuration edit."""
        if TOPIC in topics:
            self.load(ctx.session)

    def after_insert(self, ctx: WriteContext, events: list[Event]) -> None:
        """Nothing after insertion: everything happened in :meth:`prepare`."""

    def prepare(self, ctx: WriteContext, events: list[Event]) -> list[Event]:
        """Decide each plate read; the derived events to store with it."""
        out: list[Event] = []
        counts: dict[str, int] = {}
        for ev in [e for e in events if e.kind == "parking.plate"]:
            verdict = self._read(ctx, ev, out)
            counts[verdict] = counts.get(verdict, 0) + 1
        if counts:

            def count() -> None:
                for v, n in counts.items():
                    READS.labels(v).inc(n)

            ctx.after_commit(count)
        return out

    def _read(self, ctx: WriteContext, ev: Event, out: list[Event]) -> str:
        p = ev.payload
        try:
            plate = parse(p.get("plate"), p.get("colour"), p.get("confidence"))
        except PlateError as exc:
            p |= {"verdict": exc.reason, "reason": str(exc), "open": False}
            return exc.reason
        lane = self.lanes.get(ev.source)
        p |= {"plate_raw": p.get("plate"), "plate": plate.text, "plate_kind": plate.kind}
        p |= {"colour": plate.colour, "confidence": plate.confidence}
        if lane is None:
            p |= {
                "verdict": "no_lane",
                "reason": "this camera is not set up as a lane",
                "open": False,
            }
            return "no_lane"
        invited = any(a <= ev.occurred_at <= b for a, b in self.invites.get(plate.text, ()))
        decision = decide(lane.rule, self.listed.get(plate.text), invited, ev.occurred_at)
        p |= {"verdict": "ok", "lot": lane.lot, "direction": lane.rule.direction}
        p |= {"class": decision.vehicle_class, "open": decision.open, "reason": decision.reason}
        if decision.vehicle_class == "black":
            listed = self.listed[plate.text]
            out.append(self._derived("parking.blacklist", ev, {**_brief(p), "why": listed.reason}))
        if not decision.open:  # the vehicle stays outside: a read, not an entry
            return "ok"
        session = self._session(ctx.session, lane, plate.text, ev, decision)
        p["session_id"] = session.id
        kind = "parking.entry" if lane.rule.direction == "in" else "parking.exit"
        out.append(self._derived(kind, ev, {**_brief(p), "session_id": session.id}))
        if session.state == "unmatched":
            brief = {**_brief(p), "near": session.near}
            out.append(self._derived("parking.unmatched_exit", ev, brief))
        if lane.barrier and self.on_open is not None:
            why = f"{plate.text} {decision.reason} {ev.id}"  # the read, for the audit trail
            opener, barrier = self.on_open, lane.barrier
            ctx.after_commit(lambda: opener(barrier, plate.text, why))
        return "ok"

    def _session(
        self, s: Session, lane: _Lane, plate: str, ev: Event, d: Decision
    ) -> ParkingSession:
        inside = select(ParkingSession).where(
            ParkingSession.lot_id == lane.lot_id, ParkingSession.state == "inside"
        )
        if lane.rule.direction == "in":
            again = s.scalars(inside.where(ParkingSession.plate == plate)).first()
            if again is not None:  # read twice, or its exit was never read: one stay
                return again
            row = ParkingSession(
                lot_id=lane.lot_id, plate=plate, vehicle_class=d.vehicle_class, state="inside",
                entry_event=ev.id, entered_at=ev.occurred_at, near=[],
            )  # fmt: skip
        else:
            stay = s.scalars(inside.where(ParkingSession.plate == plate)).first()
            if stay is not None:
                stay.state, stay.match = "left", "exact"
                stay.exit_event, stay.exited_at, stay.exit_plate = ev.id, ev.occurred_at, plate
                return stay
            candidates = [r.plate for r in s.scalars(inside)]
            row = ParkingSession(
                lot_id=lane.lot_id, plate=plate, vehicle_class=d.vehicle_class,
                state="unmatched", exit_event=ev.id, exited_at=ev.occurred_at, exit_plate=plate,
                near=near(plate, candidates)[:5],
            )  # fmt: skip
        s.add(row)
        s.flush()
        return row

    @staticmethod
    def _derived(kind: str, ev: Event, payload: dict[str, Any]) -> Event:
        out = Event.create(
            kind, ev.source, occurred_at=ev.occurred_at, payload=payload, cause=[ev.id]
        )
        out.device_id, out.zone_id, out.site_id = ev.device_id, ev.zone_id, ev.site_id
        return out


def _brief(p: dict[str, Any]) -> dict[str, Any]:
    keys = ("plate", "colour", "class", "lot", "direction", "open", "reason", "capture")
    return {k: p[k] for k in keys if k in p}
