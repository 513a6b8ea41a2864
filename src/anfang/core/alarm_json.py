"""How an alarm is shown: the alarm as JSON-ready data, and the sections of context that
subsystems add to its detail (the engine in :mod:`anfang.core.alarms` keeps the alarms)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from anfang.store.models import Alarm

AlarmContextSource = Callable[[Session, Alarm], list[dict[str, Any]]]
"""What a subsystem knows of an alarm's source, as sections for the alarm detail:
``{"key", "zh", "en", "fields": [{"zh", "en", "value", "tel"?}], "actions"?}``
(the home alarm's household, residents and their phones, partition and arm state)."""


def field(zh: str, en: str, value: Any, **extra: Any) -> dict[str, Any]:
    """One labelled line of a context section."""
    return {"zh": zh, "en": en, "value": value, **extra}


def alarm_json(a: Any, procedure: str = "") -> dict[str, Any]:
    """An alarm (an :class:`Alarm`, or a row of its table) as JSON-ready data."""
    return {
        "id": a.id,
        "definition_id": a.definition_id,
        "title": a.title,
        "kind": a.kind,
        "source": a.source,
        "device_id": a.device_id,
        "zone_id": a.zone_id,
        "site_id": a.site_id,
        "priority": a.priority,
        "state": a.state,
        "created_at": a.created_at.isoformat(),
        "updated_at": a.updated_at.isoformat(),
        "last_event_at": a.last_event_at.isoformat(),
        "event_count": a.event_count,
        "escalation_level": a.escalation_level,
        "escalated_at": _iso(a.escalated_at),
        "assignee": a.assignee,
        "dispatched_to": a.dispatched_to or "",
        "acked_at": _iso(a.acked_at),
        "closed_at": _iso(a.closed_at),
        "disposition": a.disposition,
        "cause": a.cause,
        "procedure": procedure,
    }


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None
