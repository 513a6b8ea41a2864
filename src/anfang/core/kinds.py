"""The registry of event kinds: every kind an adapter may submit is declared here first."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum


class Severity(IntEnum):
    """How serious an event is (higher is worse)."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4


_KIND_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


class UnknownEventKind(ValueError):
    """An event kind that no subsystem declared."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"unknown event kind {kind!r}: declare it in a subsystem first")
        self.kind = kind


@dataclass(frozen=True, slots=True)
class KindInfo:
    """What anfang knows about one event kind."""

    kind: str
    severity: Severity
    zh: str
    en: str
    restore_of: str | None = None
    # Made by the platform itself (supervision, escalation, recognition, schedules):
    # never accepted from a device or an API client.
    derived: bool = False
    # Devices of these other subsystems may send it too (a guard's reader reports damage).
    also_from: frozenset[str] = frozenset()


_REGISTRY: dict[str, KindInfo] = {}


def register(
    kind: str,
    severity: Severity,
    zh: str,
    en: str,
    *,
    restore_of: str | None = None,
    derived: bool = False,
    also_from: frozenset[str] = frozenset(),
) -> KindInfo:
    """Declare an event kind (idempotent for an identical declaration); ``derived``: only
    the platform makes it; ``also_from``: other subsystems whose devices may send it."""
    if not _KIND_RE.match(kind):
        raise ValueError(f"bad event kind {kind!r}: use dotted lower-case words")
    info = KindInfo(kind, severity, zh, en, restore_of, derived, also_from)
    old = _REGISTRY.get(kind)
    if old is not None and old != info:
        raise ValueError(f"event kind {kind!r} declared twice differently")
    _REGISTRY[kind] = info
    return info


def get(kind: str) -> KindInfo:
    """Look a kind up, raising :class:`UnknownEventKind` when nobody declared it."""
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise UnknownEventKind(kind) from None


def all_kinds() -> list[KindInfo]:
    """Every declared kind, sorted by name."""
    return sorted(_REGISTRY.values(), key=lambda k: k.kind)


def matches(pattern: str, kind: str) -> bool:
    """Whether ``kind`` matches a definition pattern (``*`` one word, ``>`` the rest)."""
    p_parts = pattern.split(".")
    k_parts = kind.split(".")
    for i, p in enumerate(p_parts):
        if p == ">":
            return len(k_parts) > i
        if i >= len(k_parts):
            return False
        if p != "*" and p != k_parts[i]:
            return False
    return len(p_parts) == len(k_parts)
