"""Linkage rules as the centre keeps them: saved only when they can fire, name what exists
and make no loop; every edit a new version, audited; flagged when something they name is
deleted later; tried over the last day's events without acting (dry run)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from anfang.audit.jobs import audited
from anfang.core.errors import DomainError
from anfang.core.linkage_rules import (
    Happening,
    Rule,
    RuleInvalid,
    check_actions,
    check_kinds,
    find_loop,
    matches,
)
from anfang.core.secretbox import SecretBox
from anfang.core.writer import WriteContext
from anfang.store.base import utcnow
from anfang.store.models import Building, Device, EventRow, Zone
from anfang.subsystems.center.models import CenterRule, CenterRuleVersion
from anfang.subsystems.center.schemas import DryRun, RuleIn, RuleOut
from anfang.subsystems.center.shifts import CenterPlatform

TOPIC = "center_rules"
# Actions the rule engine carries out itself; the others go to whichever part handles
# them through core/linkage (video: snapshot and clip).
OWN_ACTIONS = frozenset({"popup", "notify", "raise_alarm", "open_door"})
DRY_RUN_LIMIT = 200_000


class RuleRefused(DomainError):
    """A rule that cannot be saved as it is."""

    status = 422

    def __init__(
        self, message: str, status: int | None = None, *, code: str = "conflict", **params: Any
    ) -> None:
        super().__init__(message, status)
        self.code = code
        self.params = params


def secret_purpose(rule_id: int) -> str:
    """The associated data a rule's sealed webhook key is bound to."""
    return f"center_rule:{rule_id}"


def to_rule(row: CenterRule) -> Rule:
    """A stored rule as the pure core's :class:`Rule`."""

    def opt(v: list[Any] | None, cast: Callable[[Any], Any]) -> frozenset[Any] | None:
        return frozenset(cast(x) for x in v) if v is not None else None

    return Rule(
        row.id,
        row.name,
        tuple(row.kinds),
        opt(row.device_codes, str),
        opt(row.zone_ids, int),
        opt(row.building_ids, int),
        row.schedule,
        tuple(row.actions),
        row.enabled,
    )


def _actions(data: RuleIn) -> list[dict[str, Any]]:
    return [a.model_dump(exclude_none=True) for a in data.actions]


def _named(data: RuleIn) -> tuple[set[str], set[str]]:
    devices = set(data.device_codes or [])
    doors: set[str] = set()
    for a in data.actions:
        devices |= set(a.cameras or []) | {x for x in (a.camera, a.device) if x}
        if a.door:
            doors.add(a.door)
    return devices, doors


def problems(s: Session, row: CenterRule, handles: Callable[[str], bool]) -> list[dict[str, Any]]:
    """What is wrong with a stored rule now (it still runs what it can)."""
    out: list[dict[str, Any]] = []
    codes = set(row.device_codes or [])
    for a in row.actions:
        codes |= set(a.get("cameras") or []) | {
            a[k] for k in ("camera", "device", "door") if a.get(k)
        }
    known = set(s.scalars(select(Device.code).where(Device.code.in_(codes)))) if codes else set()
    out += [{"code": "deleted_device", "value": c} for c in sorted(codes - known)]
    zones = set(row.zone_ids or [])
    found = set(s.scalars(select(Zone.id).where(Zone.id.in_(zones)))) if zones else set()
    out += [{"code": "deleted_zone", "value": z} for z in sorted(zones - found)]
    for a in row.actions:
        kind = a.get("type", "")
        if kind not in OWN_ACTIONS and not handles(kind):
            out.append({"code": "unhandled_action", "value": kind})
    return out


def rule_out(s: Session, row: CenterRule, handles: Callable[[str], bool]) -> RuleOut:
    """A stored rule for the API."""
    return RuleOut(
        id=row.id,
        name=row.name,
        enabled=row.enabled,
        version=row.version,
        kinds=list(row.kinds),
        device_codes=row.device_codes,
        zone_ids=row.zone_ids,
        building_ids=row.building_ids,
        schedule=row.schedule,
        actions=list(row.actions),
        notify_secret_set=row.notify_secret_sealed is not None,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
        problems=problems(s, row, handles),
    )


def rule_by_id(platform: CenterPlatform, rule_id: int) -> RuleOut:
    """One rule as saved (read after its write committed)."""
    with platform.read_session() as s:
        row = s.get(CenterRule, rule_id)
        if row is None:
            raise DomainError(f"no rule {rule_id}", 404)
        return rule_out(s, row, platform.linkage.handles)


def listing(s: Session, handles: Callable[[str], bool]) -> list[RuleOut]:
    """Every rule, with its problems."""
    rows = s.scalars(select(CenterRule).order_by(CenterRule.id))
    return [rule_out(s, r, handles) for r in rows]


def _validate(s: Session, data: RuleIn, rule_id: int) -> None:
    try:
        check_kinds(tuple(data.kinds))
        check_actions(tuple(_actions(data)))
    except RuleInvalid as bad:
        raise RuleRefused(str(bad), code=bad.code, **bad.params) from None
    devices, doors = _named(data)
    known = set(s.scalars(select(Device.code).where(Device.code.in_(devices | doors))))
    for code in sorted((devices | doors) - known):
        raise RuleRefused(f"no device {code!r}", code="unknown_device", value=code)
    for ids, model, code in (
        (data.zone_ids, Zone, "unknown_zone"),
        (data.building_ids, Building, "unknown_building"),
    ):
        if ids:
            found = set(s.scalars(select(model.id).where(model.id.in_(ids))))
            for i in sorted(set(ids) - found):
                raise RuleRefused(f"no {model.__tablename__[:-1]} {i}", code=code, value=i)
    others = [to_rule(r) for r in s.scalars(select(CenterRule).where(CenterRule.id != rule_id))]
    mine = Rule(
        rule_id, data.name, tuple(data.kinds), actions=tuple(_actions(data)), enabled=data.enabled
    )
    cycle = find_loop([*others, mine])
    if cycle is not None:
        raise RuleRefused(
            "these rules set each other off: " + " → ".join(cycle), code="rule_loop", rules=cycle
        )


async def save(
    platform: CenterPlatform, box: SecretBox, actor: str, data: RuleIn, rule_id: int | None = None
) -> CenterRule:
    """Create or replace a rule (a new version; audited)."""

    def job(ctx: WriteContext) -> tuple[CenterRule, str, Any]:
        s = ctx.session
        row = s.get(CenterRule, rule_id) if rule_id is not None else CenterRule(version=0)
        if row is None:
            raise DomainError(f"no rule {rule_id}", 404)
        _validate(s, data, rule_id or -1)
        fields = data.model_dump(exclude={"notify_secret"})
        fields["actions"] = _actions(data)
        fields["schedule"] = [w.model_dump() for w in data.schedule] if data.schedule else None
        for k, v in fields.items():
            setattr(row, k, v)
        row.version += 1
        row.updated_at, row.updated_by = utcnow(), actor
        if rule_id is None:
            s.add(row)
        s.flush()
        if data.notify_secret is not None:
            row.notify_secret_sealed = box.seal(data.notify_secret.encode(), secret_purpose(row.id))
        s.add(
            CenterRuleVersion(
                rule_id=row.id, version=row.version, data=fields, at=utcnow(), actor=actor
            )
        )
        ctx.mark_changed(TOPIC)
        return row, f"center_rule:{row.id}", {"version": row.version, **fields}

    action = "center.rule.create" if rule_id is None else "center.rule.update"
    return await audited(platform, actor, action, job, error=RuleRefused)


async def delete(platform: CenterPlatform, actor: str, rule_id: int) -> None:
    """Delete a rule (its versions stay: the audit trail refers to them)."""

    def job(ctx: WriteContext) -> tuple[None, str, Any]:
        row = ctx.session.get(CenterRule, rule_id)
        if row is None:
            raise DomainError(f"no rule {rule_id}", 404)
        ctx.session.delete(row)
        ctx.mark_changed(TOPIC)
        return None, f"center_rule:{rule_id}", {"name": row.name, "version": row.version}

    await audited(platform, actor, "center.rule.delete", job)


def versions(s: Session, rule_id: int) -> list[dict[str, Any]]:
    """A rule's saved versions, newest first."""
    rows = s.scalars(
        select(CenterRuleVersion)
        .where(CenterRuleVersion.rule_id == rule_id)
        .order_by(CenterRuleVersion.version.desc())
    )
    return [{"version": v.version, "at": v.at, "actor": v.actor, "data": v.data} for v in rows]


def dry_run(s: Session, platform: CenterPlatform, data: RuleIn) -> DryRun:
    """Which of the last day's events the rule would have fired on (nothing is done)."""
    _validate(s, data, -1)
    rule = Rule(
        -1,
        data.name,
        tuple(data.kinds),
        frozenset(data.device_codes) if data.device_codes is not None else None,
        frozenset(data.zone_ids) if data.zone_ids is not None else None,
        frozenset(data.building_ids) if data.building_ids is not None else None,
        [w.model_dump() for w in data.schedule] if data.schedule else None,
        tuple(_actions(data)),
    )
    since = utcnow() - timedelta(days=1)
    ranges: list[ColumnElement[bool]] = []
    for p in data.kinds:
        head = p[:-2] if p.endswith((".*", ".>")) else p
        if "*" in head or ">" in head:  # a wildcard inside: filtered below, in Python
            ranges = []
            break
        if head != p:
            ranges.append((EventRow.kind >= head + ".") & (EventRow.kind < head + "/"))
        else:
            ranges.append(EventRow.kind == p)
    q = select(
        EventRow.id, EventRow.kind, EventRow.source, EventRow.zone_id, EventRow.occurred_at
    ).where(EventRow.occurred_at >= since)
    if ranges:
        q = q.where(or_(*ranges))
    rows = s.execute(q.order_by(EventRow.id.desc()).limit(DRY_RUN_LIMIT)).all()
    places = {
        c: (z, b) for c, z, b in s.execute(select(Device.code, Device.zone_id, Device.building_id))
    }
    hits: list[dict[str, Any]] = []
    count = 0
    tz = platform.alarms.tz
    for ev_id, kind, source, zone_id, at in rows:
        dz, db = places.get(source, (None, None))
        if matches(
            rule, Happening(kind, source, zone_id if zone_id is not None else dz, db, at), tz
        ):
            count += 1
            if len(hits) < 20:
                hits.append({"id": ev_id, "kind": kind, "source": source, "occurred_at": at})
    return DryRun(events_checked=len(rows), matched=count, examples=hits)
