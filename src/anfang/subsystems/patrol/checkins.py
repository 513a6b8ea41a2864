"""The writer hook that reads every ``patrol.checkpoint`` event as it is stored: which
checkpoint's tag it is (or why it cannot count), recorded as a ``patrol_checkins`` row in
the same transaction, so a reader's batch is acknowledged only with its check-ins
durable. The ingest interface has already stored each device event once, however often a
batch is uploaded again, so nothing is counted twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from prometheus_client import Counter
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from anfang.core.events import Event
from anfang.core.writer import WriteContext
from anfang.subsystems.patrol.adapters.checkin import Refused, check_time, read_checkin
from anfang.subsystems.patrol.models import (
    PatrolCheckin,
    PatrolCheckpoint,
    PatrolGuard,
    PatrolRound,
)
from anfang.subsystems.patrol.service import TOPIC

CHECKINS = Counter("anfang_patrol_checkins_total", "Guard-tour check-ins by verdict", ["verdict"])
# A round is open to a check-in from ``tolerance`` before its start to its deadline; no
# plan is that long, so this bounds the rounds a check-in may fill in.
_LONGEST_ROUND = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class _Point:
    id: int
    code: str
    name: str
    enabled: bool


class CheckinHook:
    """Classifies check-ins and SOS calls; keeps tags and guards cached."""

    def __init__(self) -> None:
        self.tags: dict[tuple[str, str], _Point] = {}
        self.guards: dict[str, tuple[str, str]] = {}  # code or badge -> (code, name)

    def load(self, session: Session) -> None:
        """Cache every checkpoint's tag and every guard's code and badge."""
        self.tags = {
            (c.tag_kind, c.tag): _Point(c.id, c.code, c.name, c.enabled)
            for c in session.scalars(select(PatrolCheckpoint))
        }
        guards: dict[str, tuple[str, str]] = {}
        for g in session.scalars(select(PatrolGuard)):
            guards[g.code] = (g.code, g.name)
            if g.badge:
                guards[g.badge] = (g.code, g.name)
        self.guards = guards

    def on_changed(self, ctx: WriteContext, topics: set[str]) -> None:
        """Reload after a configuration edit."""
        if TOPIC in topics:
            self.load(ctx.session)

    def prepare(self, ctx: WriteContext, events: list[Event]) -> list[Event]:
        """Write the verdict into each check-in's payload; name the guard of an SOS."""
        extra: list[Event] = []
        for ev in events:
            if ev.kind == "patrol.sos":
                self._name_guard(ev)
            elif ev.kind == "patrol.checkpoint":
                unknown = self._classify(ev)
                if unknown is not None:
                    extra.append(unknown)
        return extra

    def _name_guard(self, ev: Event) -> None:
        guard = ev.payload.get("guard")
        if isinstance(guard, str) and guard in self.guards:
            ev.payload["guard"], ev.payload["guard_name"] = self.guards[guard]

    def _classify(self, ev: Event) -> Event | None:
        read = read_checkin(ev.payload)
        verdict: Refused | None = read if isinstance(read, Refused) else None
        if verdict is None:
            verdict = check_time(ev.occurred_at, ev.received_at)
        unknown = None
        if not isinstance(read, Refused):
            self._name_guard(ev)
            point = self.tags.get((read.tag_kind, read.tag))
            ev.payload["tag"] = read.tag
            if point is None and verdict is None:
                verdict = Refused(
                    "unknown_tag", f"no checkpoint has {read.tag_kind} tag {read.tag}"
                )
                unknown = Event.create(
                    "patrol.unknown_tag",
                    ev.source,
                    occurred_at=ev.occurred_at,
                    payload={"tag": read.tag, "tag_kind": read.tag_kind, "guard": read.guard},
                    cause=[ev.id],
                )
            elif point is not None:
                ev.payload["checkpoint"], ev.payload["checkpoint_name"] = point.code, point.name
                if verdict is None and not point.enabled:
                    verdict = Refused("disabled", f"checkpoint {point.code} is disabled")
        ev.payload["verdict"] = verdict.verdict if verdict else "ok"
        if verdict is not None:
            ev.payload["reason"] = verdict.reason
        return unknown

    def after_insert(self, ctx: WriteContext, events: list[Event]) -> None:
        """Record each check-in; open the rounds it may belong to for re-evaluation."""
        counts: dict[str, int] = {}
        for ev in events:
            if ev.kind != "patrol.checkpoint":
                continue
            p = ev.payload
            verdict = str(p.get("verdict", "malformed"))
            kind = p.get("tag_kind", "rfid")
            point = self.tags.get((kind, p["tag"])) if isinstance(p.get("tag"), str) else None
            guard = p.get("guard") if isinstance(p.get("guard"), str) else None
            ctx.session.add(
                PatrolCheckin(
                    event_id=ev.id,
                    device=ev.source,
                    tag_kind=str(kind)[:8] if isinstance(kind, str) else "",
                    tag=str(p.get("tag", ""))[:128],
                    guard=guard[:64] if guard else None,
                    checkpoint_id=point.id if point else None,
                    occurred_at=ev.occurred_at,
                    received_at=ev.received_at,
                    verdict=verdict,
                    reason=str(p.get("reason", ""))[:200],
                )
            )
            counts[verdict] = counts.get(verdict, 0) + 1
            if verdict == "ok":
                ctx.session.execute(
                    update(PatrolRound)
                    .where(
                        PatrolRound.planned_start <= ev.occurred_at + _LONGEST_ROUND,
                        PatrolRound.deadline >= ev.occurred_at,
                    )
                    .values(dirty=True)
                )
        if counts:

            def count() -> None:
                for v, n in counts.items():
                    CHECKINS.labels(v).inc(n)

            ctx.after_commit(count)
