"""Door states reported by terminals: forced open, held open, closed again.

An open with no grant (or remote open) shortly before it is forced; a legitimate open
still open after the door's ``held_open_s`` is held; the close after either restores.
State lives in memory and is written to ``access_doors`` with every change (state,
when the open began, the alarm already raised); at start :meth:`DoorMonitor.restore`
reads it back, so a door open across a restart is still watched and its held-open limit,
if passed meanwhile, raises ``access.door_held`` once.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.core.events import Event
from anfang.core.writer import WriteContext
from anfang.store.base import utcnow
from anfang.subsystems.access import rules
from anfang.subsystems.access.directory import Reader
from anfang.subsystems.access.errors import AccessError
from anfang.subsystems.access.models import AccessDoor

if TYPE_CHECKING:
    from anfang.subsystems.access.host import AccessHost

GRANT_SLACK_S = 2  # a person reaches the handle a moment after the relay clicks


@dataclass(slots=True)
class DoorRuntime:
    """A door's live state as reported by its terminal."""

    open: bool | None = None
    since: datetime | None = None
    grant_until: datetime | None = None
    alarm: str | None = None
    held_task: asyncio.Task[None] | None = None


@dataclass(frozen=True, slots=True)
class DoorState:
    """A door's last persisted state, read at start."""

    door_id: int
    state: str
    since: datetime | None
    alarm: str | None


def load_door_states(session: Session) -> list[DoorState]:
    """The persisted state of every door that reported one (on the writer thread)."""
    rows = session.execute(
        select(AccessDoor.id, AccessDoor.state, AccessDoor.open_since, AccessDoor.state_at,
               AccessDoor.alarm).where(AccessDoor.state.in_(("open", "closed")))
    )  # fmt: skip
    return [DoorState(i, st, since or at, alarm) for i, st, since, at, alarm in rows]


class DoorMonitor:
    """Live door states and the forced / held-open rules."""

    def __init__(self, svc: AccessHost) -> None:
        self.svc = svc
        self.doors: dict[int, DoorRuntime] = {}

    def granted(self, door_id: int, now: datetime) -> None:
        """A grant or remote open: the door may open until the unlock time has passed."""
        rt = self.doors.setdefault(door_id, DoorRuntime())
        unlock = self.svc.directory.snap.unlock_s.get(door_id, 5)
        rt.grant_until = now + timedelta(seconds=unlock + GRANT_SLACK_S)

    def restore(self, states: list[DoorState], now: datetime) -> None:
        """Take back the states persisted before a restart; resume held-open timers."""
        for st in states:
            rt = self.doors.setdefault(st.door_id, DoorRuntime())
            rt.open, rt.since, rt.alarm = st.state == "open", st.since, st.alarm
            if rt.open and rt.alarm is None and rt.since is not None:
                held = self.svc.directory.snap.held_open_s.get(st.door_id, 30)
                left = max(0.0, held - (now - rt.since).total_seconds())
                rt.held_task = asyncio.create_task(self._held_after(st.door_id, rt.since, left))

    def stop(self) -> None:
        """Cancel held-open timers."""
        for rt in self.doors.values():
            if rt.held_task is not None:
                rt.held_task.cancel()

    async def report(
        self, device_code: str, address: str | None, is_open: bool, at: datetime | None = None
    ) -> tuple[str | None, list[dict[str, Any]]]:
        """A terminal reports its door open or closed; raises forced / held / closed events.

        Returns the event kind raised (or None) and any commands waiting for the terminal.
        """
        now = at or utcnow()
        reader = self.svc.directory.reader(device_code, address)
        door = self.svc.directory.snap.config.doors.get(reader.door_id) if reader else None
        if reader is None or door is None:
            raise AccessError("unknown reader for this device", 422)
        rt = self.doors.setdefault(door.id, DoorRuntime())
        kind: str | None = None
        if is_open and rt.open is not True:
            rt.open, rt.since = True, now
            if rt.grant_until is None or now > rt.grant_until:
                kind, rt.alarm = "access.door_forced", "forced"
            else:
                rt.alarm = None
                held = self.svc.directory.snap.held_open_s.get(door.id, 30)
                rt.held_task = asyncio.create_task(self._held_after(door.id, now, held))
        elif not is_open and rt.open is not False:
            was_alarm, rt.open, rt.since = rt.alarm, False, now
            if rt.held_task is not None:
                rt.held_task.cancel()
                rt.held_task = None
            rt.alarm = None
            kind = "access.door_closed" if was_alarm else None
        state = "open" if is_open else "closed"
        return kind, await self._record_door(reader, door, state, kind, now, rt)

    async def _record_door(
        self,
        reader: Reader,
        door: rules.Door,
        state: str,
        kind: str | None,
        now: datetime,
        rt: DoorRuntime,
    ) -> list[dict[str, Any]]:
        since, alarm = (rt.since if rt.open else None), rt.alarm

        def job(ctx: WriteContext) -> list[dict[str, Any]]:
            row = ctx.session.get(AccessDoor, door.id)
            if row is not None:
                if row.state != state or kind is not None:
                    row.state_at = now
                row.state, row.open_since, row.alarm = state, since, alarm
            if kind is not None:
                payload = {"door_id": door.id, "door": door.code, "door_name": door.name}
                ev = Event.create(kind, reader.device_code, payload=payload, occurred_at=now)
                ev.device_id = reader.device_id
                ctx.emit(ev)
            ctx.publish("access.door_state", {"door_id": door.id, "state": state})
            return self.svc.pending_commands(ctx, reader.device_id)

        return await self.svc.platform.writer.run(job)

    async def _held_after(self, door_id: int, since: datetime, held_s: float) -> None:
        await asyncio.sleep(held_s)
        rt = self.doors.get(door_id)
        if rt is None or not rt.open or rt.since != since or rt.alarm is not None:
            return
        rt.alarm, rt.held_task = "held", None
        door = self.svc.directory.snap.config.doors.get(door_id)
        readers = self.svc.directory.snap.door_readers.get(door_id, [])
        if door is None or not readers:
            return
        with contextlib.suppress(Exception):  # the writer logs its own failures
            await self._record_door(readers[0], door, "open", "access.door_held", utcnow(), rt)
