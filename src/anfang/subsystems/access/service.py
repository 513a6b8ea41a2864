"""The access service: decides presentations, records every decision durably before
answering, watches door states (forced / held open) and opens doors remotely.

A decision runs inside one writer job: the rules read the in-memory snapshot, the
anti-passback row and the ``access.granted``/``access.denied`` event are written in the
same transaction, and the terminal hears the answer only after that commit. Running on
the writer thread also serialises decisions, so two readers of one gate cannot both
pass a holder the same way.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from prometheus_client import Counter
from sqlalchemy import select

from anfang.core.capabilities import Key
from anfang.core.events import Event
from anfang.core.secretbox import load_or_create_key
from anfang.core.tasks import stop_task
from anfang.core.writer import WriteContext
from anfang.store.base import utcnow
from anfang.subsystems.access import captures, passback, rules
from anfang.subsystems.access.adapters.osdp_link import OsdpLink
from anfang.subsystems.access.directory import Directory
from anfang.subsystems.access.doors import DoorMonitor, DoorState, load_door_states
from anfang.subsystems.access.errors import AccessError
from anfang.subsystems.access.host import Capture, Opener, Outcome
from anfang.subsystems.access.models import (
    AccessCommand,
    AccessDoor,
)

if TYPE_CHECKING:
    from anfang.kernel import Kernel

log = logging.getLogger(__name__)
DECISIONS = Counter("anfang_access_decisions_total", "Access decisions", ["result"])
DENIED = Counter("anfang_access_denied_total", "Access refusals by reason", ["reason"])
COMMAND_TTL = timedelta(seconds=60)


class AccessService:
    """The access-control component (also the capability :data:`ACCESS`)."""

    def __init__(self, platform: Kernel) -> None:
        self.platform = platform
        self.directory = Directory(ZoneInfo(platform.settings.site_timezone))
        self.monitor = DoorMonitor(self)
        self.doors = self.monitor.doors
        self.openers: dict[str, Opener] = {}
        self._pepper = load_or_create_key(
            platform.settings.resolved_secrets_key_file().with_name("access-pin-pepper.key")
        )
        self._pending_devices: set[int] = set()
        self.osdp: OsdpLink | None = None
        self._retention: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Load the configuration and the terminals with commands waiting; connect OSDP."""

        def load(ctx: WriteContext) -> list[DoorState]:
            self.directory.load(ctx.session)
            waiting = select(AccessCommand.device_id).where(AccessCommand.delivered_at.is_(None))
            self._pending_devices.update(ctx.session.scalars(waiting))
            return load_door_states(ctx.session)

        states = await self.platform.writer.run(load)
        self.monitor.restore(states, utcnow())
        self._retention = asyncio.create_task(
            captures.run_retention(self.platform), name="access-capture-retention"
        )
        self.osdp = OsdpLink(self)
        await self.osdp.start()

    async def stop(self) -> None:
        """Stop OSDP panels, the capture retention and held-open timers."""
        if self.osdp is not None:
            await self.osdp.stop()
        await stop_task(self._retention)
        self._retention = None
        self.monitor.stop()

    # ------------------------------------------------------------------ credentials

    def pin_digest(self, pin: str) -> str:
        """HMAC-SHA256 of a PIN under a pepper kept outside the database (docs/access.md)."""
        return hmac.new(self._pepper, pin.encode(), hashlib.sha256).hexdigest()

    # ------------------------------------------------------------------ decisions

    async def present(
        self,
        device_code: str,
        address: str | None,
        kind: str,
        value: str,
        *,
        decided: rules.Decision | None = None,
        extra: dict[str, Any] | None = None,
        media: list[Any] | None = None,
        at: datetime | None = None,
        capture: Capture | None = None,
    ) -> Outcome:
        """Decide (unless ``decided``) and record one presentation; durable on return."""
        now = at or utcnow()
        platform = self.platform

        def job(ctx: WriteContext) -> Outcome:
            snap = self.directory.snap
            reader = self.directory.reader(device_code, address)
            door = snap.config.doors.get(reader.door_id) if reader is not None else None
            if reader is None or door is None or not reader.enabled:
                decision = rules.Decision(False, "unknown_reader")
            elif decided is not None:
                decision = decided
            else:
                last = None
                cred = snap.config.credentials.get((kind, value))
                state = self.directory.passback.get((cred.holder_id, door.area)) if cred else None
                if state is not None and not rules.passback_expired(
                    door, state[1], now, snap.config.tz
                ):
                    last = state[0]
                decision = rules.decide(snap.config, door, reader.direction, kind, value, now, last)
            if decision.granted and door is not None and reader is not None:
                passback.note(self.directory, ctx, door, reader, decision, now)
            payload: dict[str, Any] = {
                "reader": address,
                "credential": kind,
                "reason": decision.reason,
                "display": rules.display(decision.reason),
                "holder_id": decision.holder_id,
                "holder": decision.holder_name,
                "door_id": door.id if door else None,
                "door": door.code if door else None,
                "door_name": door.name if door else None,
                "direction": reader.direction if reader else None,
            }
            if kind == "card":
                payload["card"] = value
            if decision.passback_violation:
                payload["passback_violation"] = True
            payload.update(extra or {})
            ev = Event.create(
                "access.granted" if decision.granted else "access.denied",
                device_code,
                payload=payload,
                occurred_at=now,
                media=media,
            )
            ev.device_id = reader.device_id if reader else None
            ctx.emit(ev)
            if capture is not None:
                captures.add_row(ctx, capture.saved, ev.id, capture.hold, now)
            commands = self.pending_commands(ctx, reader.device_id) if reader else []
            return Outcome(decision, ev.id, door.code if door else None, commands)

        outcome = await platform.writer.run(job)
        DECISIONS.labels("granted" if outcome.decision.granted else "denied").inc()
        if not outcome.decision.granted:
            DENIED.labels(outcome.decision.reason).inc()
        else:
            reader = self.directory.reader(device_code, address)
            if reader is not None:
                self._granted(reader.door_id, now)
        return outcome

    async def forgive_passback(
        self, holder_id: int, area: str | None, actor: str, reason: str
    ) -> int:
        """Clear a holder's anti-passback state (one area or all; audited); rows cleared."""
        return await self.platform.writer.run(
            lambda ctx: passback.forgive(self, ctx, holder_id, area, actor, reason)
        )

    def _granted(self, door_id: int, now: datetime) -> None:
        self.monitor.granted(door_id, now)

    async def door_report(
        self, device_code: str, address: str | None, is_open: bool, at: datetime | None = None
    ) -> tuple[str | None, list[dict[str, Any]]]:
        """A terminal reports its door open or closed (see :class:`doors.DoorMonitor`)."""
        return await self.monitor.report(device_code, address, is_open, at)

    async def reader_event(
        self, device_code: str, address: str, kind: str, payload: dict[str, Any]
    ) -> str:
        """Store a reader's health event (offline, tamper, power trouble); its id."""
        reader = self.directory.reader(device_code, address)
        door = self.directory.snap.config.doors.get(reader.door_id) if reader else None
        body = {"reader": address, **payload}
        if door is not None:
            body |= {"door_id": door.id, "door": door.code, "door_name": door.name}
        ev = Event.create(kind, device_code, payload=body)
        ev.device_id = reader.device_id if reader else None
        await self.platform.writer.run(lambda ctx: ctx.emit(ev))
        return ev.id

    # ------------------------------------------------------------------ remote open

    async def remote_open(self, door_id: int, actor: str, reason: str) -> str:
        """Open a door for an operator (audited, ``access.remote_open``); returns the event id."""
        now = utcnow()
        readers = self.directory.snap.door_readers.get(door_id, [])

        def job(ctx: WriteContext) -> str:
            row = ctx.session.get(AccessDoor, door_id)
            if row is None:
                raise AccessError(f"no door {door_id}", 404)
            source = readers[0].device_code if readers else f"door:{row.code}"[:64]
            payload = {"door_id": row.id, "door": row.code, "door_name": row.name}
            payload |= {"actor": actor, "reason": reason}
            ev = Event.create("access.remote_open", source, payload=payload, occurred_at=now)
            ev.device_id = readers[0].device_id if readers else None
            ctx.emit(ev)
            detail = {"door": row.code, "reason": reason, "event_id": ev.id}
            self.platform.audit.append(
                ctx, actor, "access.remote_open", f"access_door:{row.id}", detail
            )
            for r in readers:
                if r.protocol not in self.openers and r.direction == "entry":
                    ctx.session.add(
                        AccessCommand(
                            device_id=r.device_id, door_id=row.id, command="open",
                            reader=r.address, event_id=ev.id, created_at=now,
                            expires_at=now + COMMAND_TTL,
                        )
                    )  # fmt: skip
                    self._pending_devices.add(r.device_id)
            return ev.id

        event_id = await self.platform.writer.run(job)
        self._granted(door_id, now)
        for r in readers:
            opener = self.openers.get(r.protocol)
            if opener is not None and r.direction == "entry":
                try:
                    await opener(r)
                except Exception:
                    log.exception("remote open of door %d through %s failed", door_id, r.protocol)
        return event_id

    def has_door(self, code: str) -> bool:
        """Whether a door or barrier ``code`` is configured."""
        return any(d.code == code for d in self.directory.snap.config.doors.values())

    async def open_door(self, code: str, actor: str, reason: str) -> str:
        """Open the door or barrier ``code`` for another part of the platform (the car park's
        barriers): the same audited remote open; the event id."""
        doors = self.directory.snap.config.doors.values()
        door_id = next((d.id for d in doors if d.code == code), None)
        if door_id is None:
            raise AccessError(f"no door {code}", 404)
        return await self.remote_open(door_id, actor, reason)

    def pending_commands(self, ctx: WriteContext, device_id: int) -> list[dict[str, Any]]:
        """Commands waiting for ``device_id``, marked delivered (inside the caller's job)."""
        if device_id not in self._pending_devices:
            return []
        now = utcnow()
        rows = ctx.session.scalars(
            select(AccessCommand).where(
                AccessCommand.device_id == device_id, AccessCommand.delivered_at.is_(None)
            )
        ).all()
        out = []
        for c in rows:
            c.delivered_at = now
            if c.expires_at > now:  # a stale open is never replayed
                out.append({"id": c.id, "command": c.command, "reader": c.reader})
        self._pending_devices.discard(device_id)
        return out

    async def take_commands(self, device_code: str) -> list[dict[str, Any]]:
        """Commands waiting for a terminal (its poll)."""
        ids = {
            r.device_id
            for r in self.directory.snap.readers.values()
            if r.device_code == device_code
        }
        if not ids & self._pending_devices:
            return []
        return await self.platform.writer.run(
            lambda ctx: [c for i in ids for c in self.pending_commands(ctx, i)]
        )


ACCESS: Key[AccessService] = Key("access")


def get_service(platform: Kernel) -> AccessService:
    """The running access service; raises when the component is not there."""
    svc = platform.capabilities.get(ACCESS)
    if svc is None:
        raise AccessError("access control is not running", 503)
    return svc
