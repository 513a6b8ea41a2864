"""Linkage: actions an alarm sets off on other devices (a camera snapshot, a clip, …).

Subsystems that can act register a handler per action name (video registers
``snapshot`` and ``clip``); subsystems whose alarms need actions call
:meth:`Linkage.trigger`. Handlers run as tasks on the event loop and must keep heavy
work out of it; they store what they make themselves (through the writer) and return
the media references they stored. A request for an action nobody handles yet is
counted, logged and kept in a short list, so it is visible rather than silently lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prometheus_client import Counter

log = logging.getLogger(__name__)

LINKAGE = Counter("anfang_linkage_total", "Linkage actions requested", ["action", "outcome"])


@dataclass(frozen=True)
class LinkageRequest:
    """One action asked for by an alarm: which, for which alarm and event, on which devices."""

    action: str
    alarm_id: str
    event_id: str
    at: datetime
    cameras: tuple[str, ...] = ()
    site_id: int | None = None
    params: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[LinkageRequest], Awaitable[list[dict[str, Any]]]]


class Linkage:
    """The actions registered by subsystems, and the running requests."""

    def __init__(self, keep_unhandled: int = 200) -> None:
        self._handlers: dict[str, Handler] = {}
        self._tasks: set[asyncio.Task[list[dict[str, Any]]]] = set()
        self.unhandled: deque[LinkageRequest] = deque(maxlen=keep_unhandled)

    def register(self, action: str, handler: Handler) -> None:
        """Handle ``action`` with ``handler`` from now on (one handler per action)."""
        if action in self._handlers:
            raise ValueError(f"linkage action {action!r} already has a handler")
        self._handlers[action] = handler

    def unregister(self, action: str) -> None:
        """Stop handling ``action``."""
        self._handlers.pop(action, None)

    def handles(self, action: str) -> bool:
        """Whether some subsystem handles ``action``."""
        return action in self._handlers

    def trigger(self, request: LinkageRequest) -> asyncio.Task[list[dict[str, Any]]] | None:
        """Start ``request`` (call on the event loop); ``None`` when nobody handles it yet."""
        handler = self._handlers.get(request.action)
        if handler is None:
            LINKAGE.labels(request.action, "unhandled").inc()
            self.unhandled.append(request)
            log.info(
                "linkage %s for alarm %s: no subsystem handles it yet",
                request.action,
                request.alarm_id,
            )
            return None
        task = asyncio.get_running_loop().create_task(
            self._run(handler, request), name=f"linkage-{request.action}-{request.alarm_id}"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _run(self, handler: Handler, request: LinkageRequest) -> list[dict[str, Any]]:
        try:
            media = await handler(request)
        except Exception:
            LINKAGE.labels(request.action, "failed").inc()
            log.exception("linkage %s for alarm %s failed", request.action, request.alarm_id)
            return []
        LINKAGE.labels(request.action, "done").inc()
        return media

    async def drain(self, grace_s: float = 5.0) -> None:
        """Wait (up to ``grace_s``) for running actions, then cancel what is left."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=grace_s)
        for task in pending:
            task.cancel()
