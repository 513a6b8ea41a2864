"""The access configuration cached in memory: a writer hook rebuilt on every access edit.

Decisions run on the writer thread (see ``service``), so they read this snapshot in the
same order as the edits that change it: no decision sees half an edit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.core.events import Event
from anfang.core.writer import WriteContext
from anfang.store.models import Device
from anfang.subsystems.access import rules
from anfang.subsystems.access.models import (
    AccessCredential,
    AccessDoor,
    AccessGroupMember,
    AccessHolder,
    AccessHoliday,
    AccessPassback,
    AccessReader,
    AccessRule,
    AccessSchedule,
)

TOPIC = "access"


@dataclass(frozen=True, slots=True)
class Reader:
    """A reader as terminals address it: (device code, address)."""

    id: int
    door_id: int
    device_id: int
    device_code: str
    protocol: str
    address: str
    direction: str
    enabled: bool


@dataclass(slots=True)
class Snapshot:
    """Everything a decision reads, replaced whole on reload."""

    config: rules.Config = field(default_factory=rules.Config)
    readers: dict[tuple[str, str], Reader] = field(default_factory=dict)
    door_readers: dict[int, list[Reader]] = field(default_factory=dict)
    unlock_s: dict[int, int] = field(default_factory=dict)
    held_open_s: dict[int, int] = field(default_factory=dict)


def _windows(raw: list[object]) -> tuple[rules.Window, ...]:
    out = []
    for item in raw:
        if isinstance(item, dict):
            try:
                out.append(rules.window_of(item))
            except ValueError:
                continue  # the API validates; a hand-edited row must not stop reloads
    return tuple(out)


def build(session: Session, tz: ZoneInfo) -> Snapshot:
    """Read the whole access configuration."""
    cfg = rules.Config(tz=tz)
    snap = Snapshot(cfg)
    for d in session.scalars(select(AccessDoor)):
        cfg.doors[d.id] = rules.Door(
            d.id, d.code, d.name, d.kind, d.enabled, d.anti_passback,
            d.passback_area or d.code, d.unit_id, d.passback_reset_h,
            rules.parse_hhmm(d.passback_reset_at) if d.passback_reset_at else None,
        )  # fmt: skip
        snap.unlock_s[d.id], snap.held_open_s[d.id] = d.unlock_s, d.held_open_s
    rows = session.execute(
        select(AccessReader, Device.code, Device.protocol).join(
            Device, Device.id == AccessReader.device_id
        )
    )
    for r, code, protocol in rows:
        reader = Reader(
            r.id, r.door_id, r.device_id, code, protocol, r.address, r.direction, r.enabled
        )
        snap.readers[(code, r.address)] = reader
        snap.door_readers.setdefault(r.door_id, []).append(reader)
    groups: dict[int, set[int]] = {}
    for m in session.scalars(select(AccessGroupMember)):
        groups.setdefault(m.holder_id, set()).add(m.group_id)
    for h in session.scalars(select(AccessHolder)):
        cfg.holders[h.id] = rules.Holder(
            h.id, h.name, h.kind, h.state, h.valid_from, h.valid_until,
            frozenset(groups.get(h.id, ())),
        )  # fmt: skip
    for c in session.scalars(select(AccessCredential)):
        cfg.credentials[(c.kind, c.value)] = rules.Credential(
            c.id, c.holder_id, c.kind, c.state, c.valid_from, c.valid_until
        )
    for rule in session.scalars(select(AccessRule)):
        cfg.rules.setdefault(rule.door_id, []).append((rule.group_id, rule.schedule_id))
    for s in session.scalars(select(AccessSchedule)):
        cfg.schedules[s.id] = rules.Schedule(_windows(s.windows), _windows(s.holiday_windows))
    cfg.holidays = frozenset(session.scalars(select(AccessHoliday.day)))
    return snap


class Directory:
    """The writer hook holding the current :class:`Snapshot` and anti-passback state."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self.snap = Snapshot(rules.Config(tz=tz))
        # (holder id, area) -> (last direction, when); only touched on the writer thread.
        self.passback: dict[tuple[int, str], tuple[str, datetime]] = {}

    def reader(self, device_code: str, address: str | None) -> Reader | None:
        """The reader at ``address`` of a terminal; without an address, its only reader."""
        if address is not None:
            return self.snap.readers.get((device_code, address))
        mine = [r for (code, _), r in self.snap.readers.items() if code == device_code]
        return mine[0] if len(mine) == 1 else None

    def load(self, session: Session) -> None:
        """Rebuild the snapshot and the passback table."""
        self.snap = build(session, self.tz)
        self.passback = {
            (p.holder_id, p.area): (p.direction, p.at)
            for p in session.scalars(select(AccessPassback))
        }

    def prepare(self, ctx: WriteContext, events: list[Event]) -> list[Event]:
        """Nothing to add to events."""
        return []

    def after_insert(self, ctx: WriteContext, events: list[Event]) -> None:
        """Nothing to do after events are stored."""

    def on_changed(self, ctx: WriteContext, topics: set[str]) -> None:
        """Reload after access edits."""
        if TOPIC in topics:
            self.load(ctx.session)
