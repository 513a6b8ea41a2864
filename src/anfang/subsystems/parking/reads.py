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


@dataclass(slots=True)
class _Opened:
    """A read let through, waiting for the batch's flush to learn its stay's id."""

    ev: Event
    lane: _Lane
    plate: str
    decision: Decision
    stay: ParkingSession


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
        """Decide each plate read; the derived events to store with it.

        The whole batch is decided without flushing and flushed once (a flush per read, to
        learn each stay's id, made the writer the bottleneck: bench/parking); stays opened
        or closed earlier in the same batch are seen through ``batch``."""
        out: list[Event] = []
        counts: dict[str, int] = {}
        opened: list[_Opened] = []
        batch: dict[tuple[int, str], ParkingSession] = {}
        with ctx.session.no_autoflush:
            for ev in [e for e in events if e.kind == "parking.plate"]:
                verdict = self._read(ctx, ev, out, opened, batch)
                counts[verdict] = counts.get(verdict, 0) + 1
        if opened:
            ctx.session.flush()
        for o in opened:
            self._follow(ctx, o, out)
        if counts:

            def count() -> None:
                for v, n in counts.items():
                    READS.labels(v).inc(n)

            ctx.after_commit(count)
        return out

    def _read(
        self,
        ctx: WriteContext,
        ev: Event,
        out: list[Event],
        opened: list[_Opened],
        batch: dict[tuple[int, str], ParkingSession],
    ) -> str:
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
            why = "this camera is not set up as a lane"
            p |= {"verdict": "no_lane", "reason": why, "open": False}
            return "no_lane"
        invited = any(a <= ev.occurred_at <= b for a, b in self.invites.get(plate.text, ()))
        decision = decide(lane.rule, self.listed.get(plate.text), invited, ev.occurred_at)
        p |= {"verdict": "ok", "lot": lane.lot, "direction": lane.rule.direction}
        p |= {"class": decision.vehicle_class, "open": decision.open, "reason": decision.reason}
        if decision.vehicle_class == "black":
            listed = self.listed[plate.text]
            out.append(self._derived("parking.blacklist", ev, {**_brief(p), "why": listed.reason}))
        if decision.open:  # a vehicle kept outside makes a read, not an entry
            stay = self._session(ctx.session, lane, plate.text, ev, decision, batch)
            opened.append(_Opened(ev, lane, plate.text, decision, stay))
        return "ok"

    def _follow(self, ctx: WriteContext, o: _Opened, out: list[Event]) -> None:
        """After the flush: the stay's id in the read, the entry or exit event, the barrier."""
        p, ev = o.ev.payload, o.ev
        p["session_id"] = o.stay.id
        kind = "parking.entry" if o.lane.rule.direction == "in" else "parking.exit"
        out.append(self._derived(kind, ev, {**_brief(p), "session_id": o.stay.id}))
        if o.stay.state == "unmatched":
            out.append(
                self._derived("parking.unmatched_exit", ev, {**_brief(p), "near": o.stay.near})
            )
        if o.lane.barrier and self.on_open is not None:
            why = f"{o.plate} {o.decision.reason} {ev.id}"  # the read, for the audit trail
            opener, barrier, plate = self.on_open, o.lane.barrier, o.plate
            ctx.after_commit(lambda: opener(barrier, plate, why))

    def _session(
        self,
        s: Session,
        lane: _Lane,
        plate: str,
        ev: Event,
        d: Decision,
        batch: dict[tuple[int, str], ParkingSession],
    ) -> ParkingSession:
        key = (lane.lot_id, plate)
        inside = select(ParkingSession).where(
            ParkingSession.lot_id == lane.lot_id, ParkingSession.state == "inside"
        )
        stay = batch.get(key)
        if stay is None:
            found = s.scalars(inside.where(ParkingSession.plate == plate)).all()
            stay = next((r for r in found if r.state == "inside"), None)  # not closed above
        elif stay.state != "inside":
            stay = None
        if lane.rule.direction == "in":
            if stay is not None:  # read twice, or its exit was never read: one stay
                return stay
            row = ParkingSession(
                lot_id=lane.lot_id, plate=plate, vehicle_class=d.vehicle_class, state="inside",
                entry_event=ev.id, entered_at=ev.occurred_at, near=[],
            )  # fmt: skip
        else:
            if stay is not None:
                stay.state, stay.match = "left", "exact"
                stay.exit_event, stay.exited_at, stay.exit_plate = ev.id, ev.occurred_at, plate
                batch[key] = stay
                return stay
            candidates = {r.plate for r in s.scalars(inside) if r.state == "inside"}
            candidates |= {
                p for (lot, p), r in batch.items() if lot == lane.lot_id and r.state == "inside"
            }
            row = ParkingSession(
                lot_id=lane.lot_id, plate=plate, vehicle_class=d.vehicle_class,
                state="unmatched", exit_event=ev.id, exited_at=ev.occurred_at, exit_plate=plate,
                near=near(plate, sorted(candidates))[:5],
            )  # fmt: skip
        s.add(row)
        if row.state == "inside":
            batch[key] = row
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
