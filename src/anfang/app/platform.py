"""The platform: the kernel with every installed subsystem's components, started and
stopped together."""

from __future__ import annotations

import logging

from anfang.app import registry
from anfang.config import Settings
from anfang.core.bus import Bus
from anfang.kernel import Kernel
from anfang.subsystems import Component

log = logging.getLogger(__name__)


class Platform(Kernel):
    """Everything one anfang instance runs."""

    def __init__(self, settings: Settings, *, bus: Bus | None = None) -> None:
        registry.load_all()  # every subsystem's tables and event kinds, before anything
        super().__init__(settings, bus=bus)
        # Last: a component's factory may look at the whole kernel, add writer hooks and
        # provide capabilities.
        self.components: list[Component] = registry.make_components(self)
        self._running: list[Component] = []

    def migration_locations(self) -> list[str]:
        """The subsystems' own migration folders."""
        return registry.migration_locations()

    async def start_parts(self) -> None:
        """Start every component; the kernel stops those started if a later one fails."""
        for comp in self.components:
            await comp.start()
            self._running.append(comp)

    async def stop_parts(self) -> None:
        """Stop the started components in reverse order."""
        while self._running:
            comp = self._running.pop()
            try:
                await comp.stop()
            except Exception:
                log.exception("stopping %r failed", comp)
