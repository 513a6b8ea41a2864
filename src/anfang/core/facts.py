"""Facts the subsystems state about themselves, for the compliance checker.

The checker (``anfang.compliance``) may not read a subsystem's tables, so each subsystem
that holds something a rule looks at (recording retention, panic buttons per household,
fence heights, the uplink's registrations) adds a *fact source*: a function given a read
session and the time that answers named :class:`Fact` values, each with its evidence in
words. What no source states is simply unknown to the checker (an advisory, never a pass).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from anfang.core.capabilities import Capabilities, Key

log = logging.getLogger(__name__)

Value = float | int | bool | str | None


@dataclass(frozen=True, slots=True)
class Fact:
    """One measured or configured value, where it came from, and optionally per item.

    ``items`` maps an item's key in the site model (a camera's device code, a household's
    ``building/unit/room``, a fence's code) to its own value, for rules checked per item.
    """

    value: Value
    evidence: str
    items: Mapping[str, Value] = field(default_factory=dict)


FactSource = Callable[[Session, datetime], Mapping[str, Fact]]


class FactSources:
    """Every subsystem's fact source, collected into one mapping of named facts."""

    def __init__(self) -> None:
        self._sources: dict[str, FactSource] = {}

    def add(self, name: str, source: FactSource) -> None:
        """Add (or replace) the source ``name`` (a subsystem's key)."""
        self._sources[name] = source

    def names(self) -> list[str]:
        """The sources' names, sorted."""
        return sorted(self._sources)

    def collect(self, session: Session, now: datetime) -> dict[str, Fact]:
        """All facts; a source that fails is logged and states ``<name>.unavailable``."""
        out: dict[str, Fact] = {}
        for name in sorted(self._sources):
            try:
                out.update(self._sources[name](session, now))
            except Exception as exc:  # one broken source must not hide the others' facts
                log.exception("fact source %s failed", name)
                out[f"{name}.unavailable"] = Fact(True, f"{name} 的数据读取失败：{exc}")
        return out


FACT_SOURCES: Key[FactSources] = Key("compliance.fact_sources")
"""Where subsystems add their fact sources and the compliance checker reads them."""


def fact_sources(capabilities: Capabilities) -> FactSources:
    """The platform's fact sources, offered on first use (any part may come first)."""
    found = capabilities.get(FACT_SOURCES)
    if found is None:
        found = FactSources()
        capabilities.provide(FACT_SOURCES, found)
    return found


def least(items: Mapping[str, Value]) -> float | None:
    """The smallest numeric value of ``items`` (booleans and text ignored), or None."""
    nums = [
        float(v) for v in items.values() if isinstance(v, int | float) and not isinstance(v, bool)
    ]
    return min(nums, default=None)
