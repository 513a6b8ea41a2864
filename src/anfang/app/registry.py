"""Finds the subsystems (entry-point group ``anfang.subsystems``) and builds their parts."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from anfang.subsystems import ENTRY_POINT_GROUP, Component, SimContext, Subsystem

if TYPE_CHECKING:
    from fastapi import APIRouter

    from anfang.kernel import Kernel

log = logging.getLogger(__name__)
A = TypeVar("A")
_LOADED: dict[str, Subsystem] = {}


class RegistryError(RuntimeError):
    """An entry point that does not name a :class:`Subsystem`."""


def load_all() -> dict[str, Subsystem]:
    """Every installed subsystem, by key, in display order; their tables imported."""
    if _LOADED:
        return _LOADED
    found: list[Subsystem] = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        sub = ep.load()
        if not isinstance(sub, Subsystem):
            raise RegistryError(f"entry point {ep.name} = {ep.value} is not a Subsystem")
        if sub.key != ep.name:
            raise RegistryError(f"entry point {ep.name} declares subsystem {sub.key!r}")
        found.append(sub)
    if not found:
        raise RegistryError(
            f"no subsystems in entry-point group {ENTRY_POINT_GROUP}: is anfang installed "
            "(pip install -e .)?"
        )
    for sub in sorted(found, key=lambda s: (s.order, s.key)):
        for module in sub.models:
            importlib.import_module(module)
        _LOADED[sub.key] = sub
    return _LOADED


def _api_modules() -> list[Any]:
    return [importlib.import_module(m) for sub in load_all().values() for m in sub.api]


def routers() -> list[APIRouter]:
    """Every subsystem's API router, in registry order (mounted under ``/api/v1``)."""
    return [m.router for m in _api_modules() if not getattr(m, "AT_ROOT", False)]


def root_routers() -> list[APIRouter]:
    """Routers whose paths a national standard fixes (``/VIID/…`` of GA/T 1400): mounted as
    they are, not under ``/api/v1``; a module says so with ``AT_ROOT = True``."""
    return [m.router for m in _api_modules() if getattr(m, "AT_ROOT", False)]


def migration_locations() -> list[str]:
    """The folders of subsystems' own migrations."""
    out: list[str] = []
    for sub in load_all().values():
        if sub.migrations:
            spec = importlib.import_module(sub.migrations)
            out.extend(str(Path(p)) for p in spec.__path__)
    return out


def _build(specs: list[str], arg: A) -> list[Component]:
    made: list[Component] = []
    for spec in specs:
        module, _, name = spec.partition(":")
        factory: Callable[[A], Component | None] = getattr(importlib.import_module(module), name)
        comp = factory(arg)
        if comp is not None:
            made.append(comp)
    return made


def make_components(kernel: Kernel) -> list[Component]:
    """Build every subsystem's components on ``kernel`` (those switched on)."""
    return _build([s for sub in load_all().values() for s in sub.components], kernel)


def make_sims(ctx: SimContext) -> list[Component]:
    """Build every subsystem's simulated devices for the demo."""
    return _build([s for sub in load_all().values() for s in sub.sims], ctx)
