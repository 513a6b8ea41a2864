"""The running system as the checker sees it: the site model from the database, what the
platform itself measured (devices online, alarm response, how long logs are kept) and the
facts every subsystem states (``core.facts``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anfang.compliance.sitefacts import Item, SiteFacts, device, perimeter_closed
from anfang.core.facts import Fact, FactSources, Value
from anfang.store.models import AuditEntry, Building, Device, EventRow, Household, Site, Unit, Zone

SAMPLE = 5000  # latest alarm events per family looked at for the response time
ALARM_FAMILIES = ("perimeter", "home_alarm")


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def _model(s: Session, site: Site) -> SiteFacts:
    out = SiteFacts(site.name, site.area_m2)
    b_code: dict[int, str] = {}
    for b in s.scalars(select(Building).where(Building.site_id == site.id).order_by(Building.code)):
        b_code[b.id] = b.code
        at = (b.map_x, b.map_y) if b.map_x is not None and b.map_y is not None else None
        out.buildings.append(Item(b.code, b.name, "building", b.kind, at=at))
    b_name = {b.key: b.name for b in out.buildings}
    u_code: dict[int, tuple[str, str, str]] = {}
    for u in s.scalars(select(Unit).where(Unit.building_id.in_(b_code)).order_by(Unit.id)):
        bc = b_code[u.building_id]
        u_code[u.id] = (bc, u.code, f"{b_name[bc]}{u.name}")
        out.units.append(Item(f"{bc}/{u.code}", u_code[u.id][2], "unit", building=bc, unit=u.code))
    for _, uid, floor, room in s.execute(
        select(Household.id, Household.unit_id, Household.floor, Household.room).where(
            Household.unit_id.in_(u_code)
        )
    ):
        bc, uc, uname = u_code[uid]
        out.households.append(
            Item(
                f"{bc}/{uc}/{room}",
                f"{uname}{room}",
                "household",
                building=bc,
                unit=uc,
                floor=floor,
            )
        )
    z_code: dict[int, str] = {}
    for z in s.scalars(select(Zone).where(Zone.site_id == site.id).order_by(Zone.code)):
        z_code[z.id] = z.code
        line = tuple((float(p[0]), float(p[1])) for p in z.geometry or [])
        out.zones.append(Item(z.code, z.name, "zone", z.kind, line=line, length_m=z.length_m))
    unit_of = {uid: uc for uid, (_, uc, _) in u_code.items()}
    for d in s.scalars(select(Device).where(Device.site_id == site.id, Device.enabled.is_(True))):
        building, unit = b_code.get(d.building_id or 0), unit_of.get(d.unit_id or 0)
        zone = z_code.get(d.zone_id or 0)
        out.devices.append(device(d, building, unit, zone, online=d.state == "online"))
    return out


def _measured(s: Session, sf: SiteFacts, now: datetime) -> dict[str, Fact]:
    facts: dict[str, Fact] = {}
    closed, why = perimeter_closed(sf.zones)
    facts["perimeter.closed"] = Fact(closed, why)
    online: dict[str, Value] = {d.key: bool(d.online) for d in sf.devices}
    n_on = sum(1 for v in online.values() if v)
    if online:
        ratio = round(n_on / len(online), 4)
        facts["devices.online_ratio"] = Fact(
            ratio, f"启用设备 {len(online)} 台，在线 {n_on} 台", online
        )
    delays: list[float] = []
    since = now - timedelta(days=30)
    for fam in ALARM_FAMILIES:
        rows = s.execute(
            select(EventRow.received_at, EventRow.occurred_at)
            .where(
                EventRow.kind >= f"{fam}.", EventRow.kind < f"{fam}/", EventRow.received_at >= since
            )
            .order_by(EventRow.id.desc())
            .limit(SAMPLE)
        )
        delays += [max(0.0, (r - o).total_seconds()) for r, o in rows]
    if delays:
        p95 = round(_p95(delays), 3)
        facts["alarm.response_s"] = Fact(
            p95,
            f"近30天周界与家居报警事件 {len(delays)} 条（每类最多取最近 {SAMPLE} 条），"
            f"设备发生至平台接收 p95 {p95:.3f} 秒",
        )
    first = s.scalar(select(func.min(AuditEntry.at)))
    started = min(x for x in (first, sf_created(s)) if x is not None) if first else sf_created(s)
    days = round((now - started).total_seconds() / 86400, 1) if started else 0.0
    facts["system.operating_days"] = Fact(
        days, f"系统自 {started:%Y-%m-%d} 起运行 {days} 天" if started else ""
    )
    return facts


def sf_created(s: Session) -> datetime | None:
    """When the site was created (the start of operation when nothing older exists)."""
    return s.scalar(select(func.min(Site.created_at)))


def site_facts(s: Session, sources: FactSources | None, now: datetime) -> SiteFacts | None:
    """The live site's facts (None when no site is set up yet)."""
    site = s.scalar(select(Site).order_by(Site.id).limit(1))
    if site is None:
        return None
    sf = _model(s, site)
    sf.facts.update(_measured(s, sf, now))
    if sources is not None:
        sf.facts.update(sources.collect(s, now))
    return sf
