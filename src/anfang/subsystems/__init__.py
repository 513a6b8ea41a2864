"""What a subsystem declares: its key and names, event kinds, tables, routers, components,
simulators and migrations.

Each subsystem package defines ``SUBSYSTEM = register(Subsystem(...), kinds)`` in its
``__init__.py`` and is found through the Python entry-point group ``anfang.subsystems``
(``pyproject.toml``), so a package installed with pip can add one. The composition root
(:mod:`anfang.app.registry`) loads them; nothing here imports a subsystem.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from anfang.config import Settings
from anfang.core import kinds
from anfang.core.kinds import Severity
from anfang.kernel import Kernel

ENTRY_POINT_GROUP = "anfang.subsystems"


class Component(Protocol):
    """Something a subsystem runs while the platform runs (a receiver, a recorder, …).

    Made when the platform is built (where it may add writer hooks and provide
    capabilities), started after the kernel has started, stopped before the kernel stops.
    """

    async def start(self) -> None:
        """Start (listen, spawn workers); raise with a clear message on failure."""

    async def stop(self) -> None:
        """Stop; everything acknowledged is already durable."""


class DemoSite(Protocol):
    """The simulated community's layout, as far as simulators need it."""

    @property
    def devices(self) -> list[dict[str, Any]]:
        """The site file's devices (code, type, subsystem, zone, …)."""

    @property
    def checkpoints(self) -> list[dict[str, Any]]:
        """The guard tour's checkpoints (code, name, RFID tag, map x and y)."""

    @property
    def site_file(self) -> dict[str, Any]:
        """The whole site file (the compliance demo submits it as the community's design)."""


@dataclass(frozen=True)
class SimContext:
    """What ``anfang demo`` hands each subsystem's simulator factory.

    Simulators reach the platform only over its network interfaces (``base_url`` and the
    adapters' ports); ``kernel`` is for seeding configuration (accounts, cameras) the way
    an installer would, and for finding a listener's port, never for delivering device
    traffic.
    """

    kernel: Kernel
    settings: Settings
    base_url: str
    host: str
    community: DemoSite
    rate: float
    work_dir: Path


ComponentFactory = Callable[[Kernel], Component | None]
SimFactory = Callable[[SimContext], Component | None]


@dataclass(frozen=True)
class Subsystem:
    """A subsystem's key and names, and where its parts live (module paths, imported lazily).

    ``models``: modules defining its tables (imported before migrations and metadata use);
    ``api``: modules each with a FastAPI ``router`` mounted under ``/api/v1``;
    ``components``: ``"module:factory"`` strings; ``factory(kernel)`` returns a
    :class:`Component` or ``None`` when it is switched off by the settings;
    ``sims``: ``"module:factory"`` strings for ``anfang demo``; ``factory(ctx)`` gets a
    :class:`SimContext` and returns a :class:`Component` or ``None``;
    ``migrations``: a package whose folder holds Alembic revisions of its own;
    ``order``: where it stands in lists, menus and the writer's hooks (lower first).
    """

    key: str
    zh: str
    en: str
    models: tuple[str, ...] = ()
    api: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    sims: tuple[str, ...] = ()
    migrations: str | None = None
    order: int = 100


def register(
    sub: Subsystem,
    event_kinds: list[tuple[str, Severity, str, str]],
    *,
    derived: frozenset[str] = frozenset(),
) -> Subsystem:
    """Declare a subsystem's event kinds and hand the subsystem back (for ``SUBSYSTEM =``);
    ``derived`` names the kinds only the platform makes (devices may not send them)."""
    unknown = derived - {k for k, *_ in event_kinds}
    if unknown:
        raise ValueError(f"derived kinds not declared by {sub.key}: {sorted(unknown)}")
    for kind, sev, zh, en in event_kinds:
        kinds.register(kind, sev, zh, en, derived=kind in derived)
    return sub
