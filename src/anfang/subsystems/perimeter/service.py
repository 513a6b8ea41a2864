"""Perimeter zones: schedules and bypass (audited, time-limited)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.audit.log import AuditLog
from anfang.core.errors import DomainError
from anfang.core.schedules import schedule_active
from anfang.core.writer import WriteContext, Writer
from anfang.site.cameras import nearest_cameras
from anfang.store.base import utcnow
from anfang.store.models import Zone
from anfang.subsystems.perimeter.models import (
    BypassIn,
    PerimeterZoneConfig,
    ScheduleIn,
    ZoneStateOut,
)
from anfang.subsystems.perimeter.state import TOPIC, PerimeterState, zone_event


class PerimeterPlatform(Protocol):
    """What the perimeter service needs of the platform."""

    @property
    def writer(self) -> Writer: ...

    @property
    def audit(self) -> AuditLog: ...


class PerimeterError(DomainError):
    """A refused request; ``status`` is its HTTP answer."""

    status = 400


class ZoneNotFound(PerimeterError):
    """No such perimeter zone."""

    status = 404


class NotBypassed(PerimeterError):
    """The zone has no bypass to end."""

    status = 409


def zone_of(session: Session, zone_id: int) -> Zone:
    zone = session.get(Zone, zone_id)
    if zone is None or zone.kind != "perimeter":
        raise ZoneNotFound(f"no perimeter zone {zone_id}")
    return zone


def _config(session: Session, zone_id: int) -> PerimeterZoneConfig:
    cfg = session.get(PerimeterZoneConfig, zone_id)
    if cfg is None:
        cfg = PerimeterZoneConfig(zone_id=zone_id, bypass_by="", bypass_reason="", cameras=2)
        session.add(cfg)
    return cfg


def zone_out(zone: Zone, cfg: PerimeterZoneConfig | None, state: PerimeterState) -> ZoneStateOut:
    """A zone as the API shows it."""
    now = utcnow()
    bypass = (
        cfg.bypass_until
        if cfg is not None and cfg.bypass_until and cfg.bypass_until > now
        else None
    )
    schedule = cfg.schedule if cfg is not None else None
    return ZoneStateOut(
        id=zone.id,
        site_id=zone.site_id,
        code=zone.code,
        name=zone.name,
        length_m=zone.length_m,
        geometry=[[float(x), float(y)] for x, y in zone.geometry],
        schedule=schedule,
        cameras=cfg.cameras if cfg is not None else 2,
        bypass_until=bypass,
        bypass_by=cfg.bypass_by if bypass and cfg is not None else "",
        bypass_reason=cfg.bypass_reason if bypass and cfg is not None else "",
        armed_now=bypass is None and schedule_active(schedule, now, state.tz),
    )


def list_zones(session: Session, state: PerimeterState) -> list[ZoneStateOut]:
    """Every perimeter zone with its schedule, bypass and whether it is armed now."""
    zones = session.scalars(select(Zone).where(Zone.kind == "perimeter").order_by(Zone.code))
    cfgs = {c.zone_id: c for c in session.scalars(select(PerimeterZoneConfig))}
    return [zone_out(z, cfgs.get(z.id), state) for z in zones]


async def put_schedule(
    platform: PerimeterPlatform, state: PerimeterState, actor: str, zone_id: int, data: ScheduleIn
) -> ZoneStateOut:
    """Set a zone's weekly arming schedule and linked camera count (audited)."""

    def job(ctx: WriteContext) -> ZoneStateOut:
        zone = zone_of(ctx.session, zone_id)
        cfg = _config(ctx.session, zone_id)
        cfg.schedule = [w.model_dump() for w in data.windows] if data.windows is not None else None
        cfg.cameras = data.cameras
        cfg.updated_at = utcnow()
        ctx.session.flush()
        detail: dict[str, Any] = {"schedule": cfg.schedule, "cameras": cfg.cameras}
        platform.audit.append(ctx, actor, "perimeter.schedule", f"zone:{zone_id}", detail)
        ctx.mark_changed(TOPIC)
        return zone_out(zone, cfg, state)

    return await platform.writer.run(job)


async def bypass(
    platform: PerimeterPlatform, state: PerimeterState, actor: str, zone_id: int, data: BypassIn
) -> ZoneStateOut:
    """Bypass a zone for ``duration_s`` (audited; ``perimeter.bypassed``); ends by itself."""

    def job(ctx: WriteContext) -> ZoneStateOut:
        zone = zone_of(ctx.session, zone_id)
        cfg = _config(ctx.session, zone_id)
        now = utcnow()
        cfg.bypass_until = now + timedelta(seconds=data.duration_s)
        cfg.bypass_by = actor[:64]
        cfg.bypass_reason = data.reason
        cfg.updated_at = now
        ctx.session.flush()
        until = cfg.bypass_until.isoformat()
        ctx.emit(
            zone_event(
                "perimeter.bypassed", zone, {"until": until, "by": actor, "reason": data.reason}
            )
        )
        platform.audit.append(
            ctx,
            actor,
            "perimeter.bypass",
            f"zone:{zone_id}",
            {"until": until, "duration_s": data.duration_s, "reason": data.reason},
        )
        ctx.mark_changed(TOPIC)
        return zone_out(zone, cfg, state)

    return await platform.writer.run(job)


async def unbypass(
    platform: PerimeterPlatform, state: PerimeterState, actor: str, zone_id: int
) -> ZoneStateOut:
    """End a zone's bypass now (audited; ``perimeter.unbypassed``)."""

    def job(ctx: WriteContext) -> ZoneStateOut:
        zone = zone_of(ctx.session, zone_id)
        cfg = ctx.session.get(PerimeterZoneConfig, zone_id)
        if cfg is None or cfg.bypass_until is None or cfg.bypass_until <= utcnow():
            raise NotBypassed(f"perimeter zone {zone.code} is not bypassed")
        cfg.bypass_until = None
        cfg.bypass_by = ""
        cfg.bypass_reason = ""
        cfg.updated_at = utcnow()
        ctx.session.flush()
        ctx.emit(zone_event("perimeter.unbypassed", zone, {"by": actor}))
        platform.audit.append(ctx, actor, "perimeter.unbypass", f"zone:{zone_id}", {})
        ctx.mark_changed(TOPIC)
        return zone_out(zone, cfg, state)

    return await platform.writer.run(job)


def zone_detail(session: Session, state: PerimeterState, zone_id: int) -> ZoneStateOut:
    """One perimeter zone with its configuration and state now."""
    zone = zone_of(session, zone_id)
    return zone_out(zone, session.get(PerimeterZoneConfig, zone_id), state)


def zone_cameras(session: Session, zone_id: int) -> list[str]:
    """The codes of the cameras an alarm in this zone is linked to, nearest first."""
    zone_of(session, zone_id)
    cfg = session.get(PerimeterZoneConfig, zone_id)
    return nearest_cameras(session, zone_id, None, cfg.cameras if cfg else 2)
