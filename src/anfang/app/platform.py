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

    def __init__(
        self, settings: Settings, *, bus: Bus | None = None, lenient: bool = False
    ) -> None:
        """``lenient`` (the demo): a component that cannot start (a port taken, a program
        missing) is left out with one line in the log, and the rest runs."""
        self.lenient = lenient
        self.left_out: list[str] = []
        registry.load_all()  # every subsystem's tables and event kinds, before anything
        super().__init__(settings, bus=bus, migrations=registry.migration_locations())
        # Last: a component's factory may look at the whole kernel, add writer hooks and
        # provide capabilities.
        self.components: list[Component] = registry.make_components(self)
        self._running: list[Component] = []

    async def start_parts(self) -> None:
        """Start every component, in registry order."""
        for comp in self.components:
            try:
                await comp.start()
            except (OSError, RuntimeError) as exc:
                if not self.lenient:
                    raise
                why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                self.left_out.append(f"{type(comp).__name__}: {why}")
                log.warning("anfang: left out %s: %s", type(comp).__name__, why)
                continue
            self._running.append(comp)

    async def stop_parts(self) -> None:
        """Stop the started components in reverse order."""
        while self._running:
            comp = self._running.pop()
            try:
                await comp.stop()
            except Exception:
                log.exception("stopping %r failed", comp)
