"""The registry of subsystems: each declares its key, names, event kinds and routers."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from anfang.core import kinds
from anfang.core.kinds import Severity


@dataclass(frozen=True)
class Subsystem:
    """A subsystem's key and names (it declares its event kinds when it registers)."""

    key: str
    zh: str
    en: str


REGISTRY: dict[str, Subsystem] = {}

# The subsystems a compliant community must have (ARCHITECTURE.md), in display order.
MODULES = (
    "perimeter",
    "video",
    "access",
    "intercom",
    "home_alarm",
    "patrol",
    "parking",
    "physical",
)


def register(sub: Subsystem, event_kinds: list[tuple[str, Severity, str, str]]) -> Subsystem:
    """Register a subsystem and declare its event kinds."""
    for kind, sev, zh, en in event_kinds:
        kinds.register(kind, sev, zh, en)
    REGISTRY[sub.key] = sub
    return sub


def load_all() -> dict[str, Subsystem]:
    """Import every subsystem package so that it registers itself."""
    for name in MODULES:
        importlib.import_module(f"anfang.subsystems.{name}")
    return REGISTRY
