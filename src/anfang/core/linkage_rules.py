"""Linkage rules as data: when an event of some kinds happens at some devices, zones or
buildings within a schedule, run actions (snapshot, clip, a live pop-up, a PTZ preset,
open or lock a door, switch an output, notify a webhook, raise an alarm).

Pure: matching, and the checks an edit must pass (kinds nobody declared, actions with
bad parameters, loops where one rule's action sets off a rule that sets off the first).
The monitoring centre stores the rules and runs them; the hard-coded alarm→camera links
of perimeter, access and the car park (:class:`anfang.core.linkage.AlarmCameraLinker`)
are the built-in rules every site has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from anfang.core import kinds
from anfang.core.schedules import schedule_active

# action → (the parameters it needs, the event kinds it makes happen). What an action
# makes happen is what the loop check follows.
ACTIONS: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "snapshot": ((), frozenset()),
    "clip": ((), frozenset()),
    "popup": ((), frozenset({"center.rule_popup"})),
    "ptz_preset": (("camera", "preset"), frozenset()),
    "open_door": (("door",), frozenset({"access.remote_open"})),
    "lock_door": (("door",), frozenset()),
    "output": (("device", "output"), frozenset()),
    "notify": (("url",), frozenset()),
    "raise_alarm": ((), frozenset({"center.rule_alarm"})),
}


class RuleInvalid(ValueError):
    """A rule that cannot be saved; ``code`` names why, ``params`` the facts."""

    def __init__(self, message: str, code: str, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule; ``None`` in a scope means any."""

    id: int
    name: str
    kinds: tuple[str, ...]
    device_codes: frozenset[str] | None = None
    zone_ids: frozenset[int] | None = None
    building_ids: frozenset[int] | None = None
    schedule: list[dict[str, Any]] | None = None
    actions: tuple[dict[str, Any], ...] = ()
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class Happening:
    """What a rule is matched against: an event and where it happened."""

    kind: str
    source: str
    zone_id: int | None
    building_id: int | None
    at: datetime
    extra: dict[str, Any] = field(default_factory=dict)


def matches(rule: Rule, e: Happening, tz: ZoneInfo) -> bool:
    """Whether ``rule`` fires for ``e``."""
    if not rule.enabled or not any(kinds.matches(p, e.kind) for p in rule.kinds):
        return False
    if rule.device_codes is not None and e.source not in rule.device_codes:
        return False
    if rule.zone_ids is not None and e.zone_id not in rule.zone_ids:
        return False
    if rule.building_ids is not None and e.building_id not in rule.building_ids:
        return False
    return schedule_active(rule.schedule, e.at, tz)


def check_kinds(patterns: tuple[str, ...]) -> None:
    """Refuse a pattern no declared kind matches (the rule would never fire)."""
    declared = [k.kind for k in kinds.all_kinds()]
    for p in patterns:
        if not any(kinds.matches(p, k) for k in declared):
            raise RuleInvalid(f"no event kind matches {p!r}", "unknown_kind", value=p)


def check_actions(actions: tuple[dict[str, Any], ...]) -> None:
    """Refuse unknown actions and actions without their parameters."""
    if not actions:
        raise RuleInvalid("a rule needs at least one action", "no_actions")
    for a in actions:
        kind = a.get("type")
        if kind not in ACTIONS:
            raise RuleInvalid(f"unknown action {kind!r}", "unknown_action", value=kind)
        for name in ACTIONS[kind][0]:
            if not a.get(name):
                raise RuleInvalid(f"{kind} needs {name}", "action_param", action=kind, param=name)
        url = str(a.get("url", ""))
        if kind == "notify" and not url.startswith(("http://", "https://")):
            raise RuleInvalid("notify needs an http(s) URL", "action_param", action=kind)


def produces(rule: Rule) -> frozenset[str]:
    """The kinds a rule's actions make happen."""
    out: set[str] = set()
    for a in rule.actions:
        out |= ACTIONS.get(str(a.get("type")), ((), frozenset()))[1]
    return frozenset(out)


def find_loop(rules: list[Rule]) -> list[str] | None:
    """A cycle of rules (their names, the first repeated at the end) where each one's
    actions make an event the next one fires on; ``None`` when there is none."""
    enabled = [r for r in rules if r.enabled]
    edges = {
        r.id: [
            s.id for s in enabled if any(kinds.matches(p, k) for p in s.kinds for k in produces(r))
        ]
        for r in enabled
    }
    names = {r.id: r.name for r in enabled}
    state: dict[int, int] = {}  # 1: on the path, 2: done
    path: list[int] = []

    def visit(n: int) -> list[int] | None:
        state[n] = 1
        path.append(n)
        for m in edges[n]:
            if state.get(m) == 1:
                return [*path[path.index(m) :], m]
            if m not in state and (found := visit(m)) is not None:
                return found
        path.pop()
        state[n] = 2
        return None

    for r in enabled:
        if r.id not in state and (cycle := visit(r.id)) is not None:
            return [names[i] for i in cycle]
    return None
