"""What the access service's helpers (door monitor, anti-passback, OSDP link) need of it,
as a Protocol, and the decision records they share; the service implements it, and they
do not import the service."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from anfang.subsystems.access import captures, rules
from anfang.subsystems.access.directory import Directory, Reader

if TYPE_CHECKING:
    from anfang.core.writer import WriteContext
    from anfang.kernel import Kernel

Opener = Callable[[Reader], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Capture:
    """A stored face capture to index with the decision; ``hold``: its watch-list hit."""

    saved: captures.Saved
    hold: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """A recorded decision: what the terminal is told, and the event that holds it."""

    decision: rules.Decision
    event_id: str
    door_code: str | None
    commands: list[dict[str, Any]] = field(default_factory=list)

    @property
    def display(self) -> str:
        """The Chinese text for the terminal's screen."""
        return rules.display(self.decision.reason)


class AccessHost(Protocol):
    """The access service as its helpers see it."""

    platform: Kernel
    directory: Directory
    openers: dict[str, Opener]

    def pin_digest(self, pin: str) -> str:
        """A PIN's keyed digest."""

    async def present(
        self,
        device_code: str,
        address: str | None,
        kind: str,
        value: str,
        *,
        decided: rules.Decision | None = None,
        extra: dict[str, Any] | None = None,
        media: list[Any] | None = None,
        at: datetime | None = None,
        capture: Capture | None = None,
    ) -> Outcome:
        """Decide and record one presentation."""

    async def reader_event(
        self, device_code: str, address: str, kind: str, payload: dict[str, Any]
    ) -> str:
        """Store a reader's health event."""

    def pending_commands(self, ctx: WriteContext, device_id: int) -> list[dict[str, Any]]:
        """Take the commands waiting for a terminal, in this write."""
