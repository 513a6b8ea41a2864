"""Whether each perimeter zone is guarded now: its weekly schedule and bypass (a writer hook).

An intrusion in a zone that is bypassed, or outside its arming schedule, is stored as an
event but raises no alarm (marked for the alarm engine in ``prepare``). 24-hour zones
(``zone_type`` "24h" from the panel's zone table) ignore the schedule; a bypass, which an
operator sets knowingly and is audited, silences them too. A bypass ends by itself:
:meth:`PerimeterState.expire` stores ``perimeter.unbypassed`` once its time is up, and
``prepare`` compares times itself, so a late check never extends a bypass.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from prometheus_client import Counter
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from anfang.audit.log import AuditLog
from anfang.core.capabilities import Key
from anfang.core.events import Event
from anfang.core.schedules import schedule_active
from anfang.core.writer import WriteContext
from anfang.store.base import utcnow
from anfang.store.models import Zone
from anfang.subsystems.perimeter.models import PerimeterZoneConfig

TOPIC = "perimeter_zones"
NO_ALARM = Counter(
    "anfang_perimeter_no_alarm_total", "Intrusions stored without an alarm", ["reason"]
)


@dataclass(slots=True)
class _Cfg:
    schedule: list[dict[str, Any]] | None
    bypass_until: datetime | None


class PerimeterState:
    """Schedules and bypasses of perimeter zones, cached for the writer thread."""

    def __init__(self, skip_alarm: set[str], timezone: str, audit: AuditLog | None) -> None:
        self.skip_alarm = skip_alarm
        self.tz = ZoneInfo(timezone)
        self.audit = audit
        self._cfg: dict[int, _Cfg] = {}

    def load(self, session: Session) -> None:
        """Cache every zone's configuration."""
        self._cfg = {
            c.zone_id: _Cfg(c.schedule, c.bypass_until)
            for c in session.scalars(select(PerimeterZoneConfig))
        }

    def on_changed(self, ctx: WriteContext, topics: set[str]) -> None:
        """Reload after schedule or bypass edits."""
        if TOPIC in topics:
            self.load(ctx.session)

    def prepare(self, ctx: WriteContext, events: list[Event]) -> list[Event]:
        """Mark intrusions in bypassed or unscheduled zones as raising no alarm."""
        for ev in events:
            if ev.kind != "perimeter.intrusion" or ev.zone_id is None:
                continue
            reason = self.silenced(ev.zone_id, ev.occurred_at, ev.payload.get("zone_type"))
            if reason is not None:
                ev.payload["no_alarm"] = reason
                self.skip_alarm.add(ev.id)
                NO_ALARM.labels(reason).inc()
        return []

    def after_insert(self, ctx: WriteContext, events: list[Event]) -> None:
        """Nothing to do after insertion."""

    def silenced(self, zone_id: int, at: datetime, zone_type: object = None) -> str | None:
        """Why an intrusion in ``zone_id`` at ``at`` raises no alarm, or None if it does."""
        cfg = self._cfg.get(zone_id)
        if cfg is None:
            return None
        if cfg.bypass_until is not None and at < cfg.bypass_until:
            return "zone_bypassed"
        if zone_type != "24h" and not schedule_active(cfg.schedule, at, self.tz):
            return "zone_outside_schedule"
        return None

    def expire(self, ctx: WriteContext) -> list[Event]:
        """End every bypass whose time is up: ``perimeter.unbypassed``, audited."""
        now = utcnow()
        out: list[Event] = []
        for zone_id, cfg in self._cfg.items():
            if cfg.bypass_until is None or cfg.bypass_until > now:
                continue
            zone = ctx.session.get(Zone, zone_id)
            ctx.session.execute(
                update(PerimeterZoneConfig)
                .where(PerimeterZoneConfig.zone_id == zone_id)
                .values(bypass_until=None, bypass_by="", bypass_reason="", updated_at=now)
            )
            until = cfg.bypass_until
            cfg.bypass_until = None
            if zone is None:
                continue
            ev = zone_event("perimeter.unbypassed", zone, {"expired": until.isoformat()})
            ctx.emit(ev)
            if self.audit is not None:
                self.audit.append(
                    ctx,
                    "system",
                    "perimeter.bypass_expired",
                    f"zone:{zone_id}",
                    {"until": until.isoformat()},
                )
            out.append(ev)
        return out


def zone_event(kind: str, zone: Zone, payload: dict[str, Any]) -> Event:
    """An event about a perimeter zone itself (source: the zone's code)."""
    ev = Event.create(kind, zone.code[:64], payload={"zone_code": zone.code, **payload})
    ev.zone_id, ev.site_id = zone.id, zone.site_id
    return ev


PERIMETER_STATE: Key[PerimeterState] = Key("perimeter.state")
