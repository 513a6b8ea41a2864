"""The alarm handling workflow as data: which step is allowed from which state, how an
alarm may end (dispositions) and why a false alarm was false (causes).

Pure: no database, no clock. The engine (:mod:`anfang.core.alarms`) applies what
:func:`plan` decides; a refusal carries a ``code`` and ``params`` so the console can say
it in the operator's language (issue 17: English server texts reached the console).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from anfang.core.errors import DomainError

OPEN_STATES = ("new", "acknowledged", "dispatched")
CLOSED_STATES = ("resolved", "false_alarm")

# action → (states it may start from, state it leads to). Dispatching or closing a new
# alarm acknowledges it first, recorded as its own step (``implied_ack``): refusing it
# lost the operator's typed note (issue 17).
STATE_ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "acknowledge": (("new",), "acknowledged"),
    "dispatch": (OPEN_STATES, "dispatched"),
    "resolve": (OPEN_STATES, "resolved"),
    "false_alarm": (OPEN_STATES, "false_alarm"),
}
# Steps that change who has the alarm or add to its record, not its state.
OTHER_ACTIONS = ("claim", "assign", "release", "note")
ACTIONS = (*STATE_ACTIONS, *OTHER_ACTIONS)

# How an alarm ended: disposition → (closing state, zh, en).
DISPOSITIONS: dict[str, tuple[str, str, str]] = {
    "real": ("resolved", "真实警情", "Real incident"),
    "false": ("false_alarm", "误报", "False alarm"),
    "test": ("resolved", "测试", "Test"),
    "maintenance": ("resolved", "维护施工", "Maintenance"),
}
# Why a false alarm was false (the reports count them): cause → (zh, en).
FALSE_CAUSES: dict[str, tuple[str, str]] = {
    "animal": ("动物触发", "Animal"),
    "weather": ("风雨雪雾等天气", "Weather"),
    "vegetation": ("树木植物摆动", "Vegetation"),
    "environment": ("光线、热源等环境干扰", "Light, heat or other interference"),
    "user_error": ("住户或用户误操作", "User error"),
    "staff": ("工作人员作业", "Staff at work"),
    "device_fault": ("设备故障", "Device fault"),
    "unknown": ("原因不明", "Unknown"),
}


class AlarmStepRefused(DomainError):
    """A handling step that is not allowed now; ``code`` names why, ``params`` the facts."""

    status = 409

    def __init__(self, message: str, code: str, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True, slots=True)
class Step:
    """One operator's step on an alarm.

    ``to`` is whom it concerns: the user an alarm is assigned to, or the guard or team
    dispatched. ``take_over`` lets a step go ahead on an alarm someone else holds.
    """

    action: str
    actor: str
    note: str = ""
    to: str = ""
    disposition: str | None = None
    cause: str | None = None
    take_over: bool = False


@dataclass(slots=True)
class Plan:
    """What a step does: the transitions to record (code, from, to, data) and the fields
    of the alarm to change."""

    transitions: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)
    changes: dict[str, Any] = field(default_factory=dict)


def _refuse_closed(state: str, last_actor: str) -> AlarmStepRefused:
    return AlarmStepRefused(
        f"the alarm is already closed ({state}) by {last_actor}",
        "alarm_closed",
        state=state,
        by=last_actor,
    )


def plan(step: Step, state: str, assignee: str | None, last_actor: str) -> Plan:
    """Decide what ``step`` does to an alarm in ``state`` held by ``assignee``; raises
    :class:`AlarmStepRefused` with a code for every refusal."""
    a = step.action
    if a not in ACTIONS:
        raise AlarmStepRefused(f"unknown action {a!r}", "unknown_action", action=a)
    if state in CLOSED_STATES and a != "note":
        raise _refuse_closed(state, last_actor)
    held = assignee is not None and assignee != step.actor
    if held and a not in ("note", "assign") and not step.take_over:
        raise AlarmStepRefused(
            f"the alarm is being handled by {assignee}; take it over to act on it",
            "alarm_held",
            by=assignee,
        )
    out = Plan()
    if a == "note":
        if not step.note.strip():
            raise AlarmStepRefused("a note needs text", "note_empty")
        out.transitions.append(("note", state, state, {}))
        return out
    if a in ("claim", "assign", "release"):
        who: str | None = {"claim": step.actor, "assign": step.to, "release": None}[a]
        if a == "assign" and not step.to:
            raise AlarmStepRefused("assign to whom?", "assignee_missing")
        out.changes["assignee"] = who
        held_data: dict[str, Any] = {"to": who} if who else {}
        if held:
            held_data["from"] = assignee
        out.transitions.append((a, state, state, held_data))
        return out
    allowed, to_state = STATE_ACTIONS[a]
    if state not in allowed:
        raise AlarmStepRefused(
            f"cannot {a} an alarm that is {state} (last step by {last_actor})",
            "alarm_state",
            state=state,
            by=last_actor,
        )
    if state == "new":
        out.changes["acked"] = True
        if a != "acknowledge":
            out.transitions.append(("implied_ack", "new", "acknowledged", {"by": a}))
            state = "acknowledged"
    if assignee is None or held:
        out.changes["assignee"] = step.actor
    data: dict[str, Any] = {}
    if a == "dispatch":
        data["to"] = step.to
        out.changes["dispatched_to"] = step.to
    if a in ("resolve", "false_alarm"):
        disposition, cause = _closing(a, step)
        data.update(disposition=disposition, cause=cause)
        out.changes.update(disposition=disposition, cause=cause, closed=True)
    if held:
        data["from"] = assignee
    out.transitions.append((a, state, to_state, data))
    out.changes["state"] = to_state
    return out


def _closing(action: str, step: Step) -> tuple[str, str | None]:
    disposition = step.disposition or ("false" if action == "false_alarm" else "real")
    if disposition not in DISPOSITIONS:
        raise AlarmStepRefused(
            f"unknown disposition {disposition!r}", "bad_disposition", value=disposition
        )
    if (DISPOSITIONS[disposition][0] == "false_alarm") != (action == "false_alarm"):
        raise AlarmStepRefused(
            f"disposition {disposition!r} does not fit {action}",
            "bad_disposition",
            value=disposition,
        )
    if disposition != "false":
        return disposition, None
    cause = step.cause or "unknown"
    if cause not in FALSE_CAUSES:
        raise AlarmStepRefused(f"unknown false-alarm cause {cause!r}", "bad_cause", value=cause)
    return disposition, cause
