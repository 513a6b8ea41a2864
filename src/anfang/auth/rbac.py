"""Roles and what each may do; every endpoint names the permission it needs."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """The roles of anfang's users."""

    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    INSTALLER = "installer"
    POLICE_INSPECTOR = "police_inspector"
    AUDITOR = "auditor"
    RESIDENT = "resident"  # issues visitor passes for the household bound to it


class Perm(StrEnum):
    """Permissions checked by endpoints."""

    EVENTS_READ = "events.read"
    EVENTS_SUBMIT = "events.submit"
    ALARMS_READ = "alarms.read"
    ALARMS_HANDLE = "alarms.handle"
    ALARM_DEFS_WRITE = "alarm_definitions.write"
    SITE_READ = "site.read"
    SITE_WRITE = "site.write"
    PEOPLE_READ = "people.read"
    DEVICES_WRITE = "devices.write"
    USERS_MANAGE = "users.manage"
    AUDIT_READ = "audit.read"
    PASSES_ISSUE = "passes.issue"  # residents: for their own household only
    PASSES_MANAGE = "passes.manage"  # staff: any household's passes
    INTERCOM_READ = "intercom.read"
    INTERCOM_UNLOCK = "intercom.unlock"
    ACCESS_CONFIGURE = "access.configure"  # doors, readers, rules, credentials
    ACCESS_OPEN = "access.open"  # remote open of a door (audited)
    VIDEO_VIEW = "video.view"  # live and recorded video (viewing recordings is audited)
    VIDEO_EXPORT = "video.export"  # export a range to a file (audited, reason required)
    METRICS_READ = "metrics.read"  # Prometheus metrics (a scraper's service account)
    PATROL_CONFIGURE = "patrol.configure"  # checkpoints, guards, routes, schedules
    PARKING_CONFIGURE = "parking.configure"  # lots, lanes, white and black lists
    PHYSICAL_MANAGE = "physical.manage"  # the inventory of fences, doors, grilles, bollards
    CENTER_DUTY = "center.duty"  # shifts, the duty log, hand-over
    UPLINK_CONFIGURE = "uplink.configure"  # upper platforms, national IDs, what is shared
    COMPLIANCE_READ = "compliance.read"  # life cycle, checker reports, orders, operating status
    COMPLIANCE_MANAGE = (
        "compliance.manage"  # the property company's side: documents, steps, answers
    )
    COMPLIANCE_INSPECT = "compliance.inspect"  # the police's side: reviews, inspection, orders
    MAINTENANCE = "maintenance.work"  # work orders: take, close with evidence


_ALL_READ = {Perm.EVENTS_READ, Perm.ALARMS_READ, Perm.SITE_READ}

_DESK = {
    Perm.PASSES_ISSUE,
    Perm.PASSES_MANAGE,
    Perm.INTERCOM_READ,
    Perm.INTERCOM_UNLOCK,
    Perm.ACCESS_OPEN,
    Perm.VIDEO_VIEW,
    Perm.VIDEO_EXPORT,
}

GRANTS: dict[Role, frozenset[Perm]] = {
    Role.OPERATOR: frozenset(
        _ALL_READ | _DESK | {Perm.ALARMS_HANDLE, Perm.PEOPLE_READ, Perm.CENTER_DUTY}
    ),
    Role.SUPERVISOR: frozenset(
        _ALL_READ
        | _DESK
        | {
            Perm.ALARMS_HANDLE,
            Perm.ALARM_DEFS_WRITE,
            Perm.PEOPLE_READ,
            Perm.CENTER_DUTY,
            Perm.PATROL_CONFIGURE,
            Perm.PARKING_CONFIGURE,
            Perm.PHYSICAL_MANAGE,
            Perm.COMPLIANCE_READ,
            Perm.COMPLIANCE_MANAGE,
            Perm.MAINTENANCE,
        }
    ),
    # The property company's administrator does everything but the police's part: it may not
    # approve its own design, inspect its own system or issue itself rectification orders.
    Role.ADMIN: frozenset(Perm) - {Perm.COMPLIANCE_INSPECT},
    Role.INSTALLER: frozenset(
        _ALL_READ
        | {
            Perm.SITE_WRITE,
            Perm.DEVICES_WRITE,
            Perm.EVENTS_SUBMIT,
            Perm.ACCESS_CONFIGURE,
            Perm.METRICS_READ,
            Perm.PATROL_CONFIGURE,
            Perm.PARKING_CONFIGURE,
            Perm.PHYSICAL_MANAGE,
            Perm.UPLINK_CONFIGURE,
            Perm.COMPLIANCE_READ,
            Perm.MAINTENANCE,
        }
    ),
    Role.POLICE_INSPECTOR: frozenset(
        _ALL_READ
        | {Perm.AUDIT_READ, Perm.PEOPLE_READ, Perm.VIDEO_VIEW}
        | {Perm.COMPLIANCE_READ, Perm.COMPLIANCE_INSPECT}
    ),
    Role.AUDITOR: frozenset(_ALL_READ | {Perm.AUDIT_READ, Perm.METRICS_READ, Perm.COMPLIANCE_READ}),
    Role.RESIDENT: frozenset({Perm.PASSES_ISSUE}),
}


def granted(role: str) -> list[str]:
    """The permissions ``role`` holds, sorted (none for an unknown role)."""
    try:
        return sorted(p.value for p in GRANTS[Role(role)])
    except ValueError:
        return []


def allowed(role: str, perm: Perm) -> bool:
    """Whether ``role`` holds ``perm``."""
    try:
        return perm in GRANTS[Role(role)]
    except ValueError:
        return False
