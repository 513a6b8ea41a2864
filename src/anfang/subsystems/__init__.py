"""The registry of subsystems: each declares its key, names, event kinds, tables, routers
and the components the platform starts for it."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from anfang.core import kinds
from anfang.core.kinds import Severity

if TYPE_CHECKING:
    from fastapi import APIRouter

    from anfang.core.platform import Platform
    from anfang.sim.context import DemoContext


class Component(Protocol):
    """Something a subsystem runs while the platform runs (a receiver, a recorder, …).

    Made in ``Platform.__init__`` (where it may add writer hooks), started after the
    platform's core has started, stopped before the core stops.
    """

    async def start(self) -> None:
        """Start (listen, spawn workers); raise with a clear message on failure."""

    async def stop(self) -> None:
        """Stop; everything acknowledged is already durable."""


ComponentFactory = Callable[["Platform"], Component | None]


@dataclass(frozen=True)
class Subsystem:
    """A subsystem's key and names, and where its parts live (module paths, imported lazily).

    ``models``: modules defining its tables (imported before migrations and metadata use);
    ``api``: modules each with a FastAPI ``router`` mounted under ``/api/v1``;
    ``components``: ``"module:factory"`` strings; ``factory(platform)`` returns a
    :class:`Component` or ``None`` when it is switched off by the settings;
    ``sims``: ``"module:factory"`` strings for ``anfang demo``; ``factory(ctx)`` gets a
    :class:`anfang.sim.context.DemoContext` and returns a :class:`Component` or ``None``.
    """

    key: str
    zh: str
    en: str
    models: tuple[str, ...] = ()
    api: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    sims: tuple[str, ...] = ()


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
    """Import every subsystem package so that it registers itself, and its tables."""
    for name in MODULES:
        importlib.import_module(f"anfang.subsystems.{name}")
    for sub in REGISTRY.values():
        for module in sub.models:
            importlib.import_module(module)
    return REGISTRY


def routers() -> list[APIRouter]:
    """Every subsystem's API router, in registry order."""
    out: list[APIRouter] = []
    for sub in load_all().values():
        out.extend(importlib.import_module(module).router for module in sub.api)
    return out


def _build(specs: list[str], arg: object) -> list[Component]:
    made: list[Component] = []
    for spec in specs:
        module, _, name = spec.partition(":")
        factory: Any = getattr(importlib.import_module(module), name)
        comp = factory(arg)
        if comp is not None:
            made.append(comp)
    return made


def make_components(platform: Platform) -> list[Component]:
    """Build every subsystem's components for ``platform`` (those switched on)."""
    return _build([s for sub in load_all().values() for s in sub.components], platform)


def make_sims(ctx: DemoContext) -> list[Component]:
    """Build every subsystem's simulated devices for the demo."""
    return _build([s for sub in load_all().values() for s in sub.sims], ctx)
