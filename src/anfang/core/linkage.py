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
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prometheus_client import Counter

from anfang.core.bus import Bus, Subscription
from anfang.core.tasks import stop_task

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


# Where an alarm's cameras are: (first event id, camera codes, site id, when), or None.
# Called in a worker thread (it reads the database).
Targets = Callable[[str], "tuple[str, tuple[str, ...], int | None, datetime] | None"]


class AlarmCameraLinker:
    """Asks for a ``snapshot`` and a ``clip`` from the cameras of each NEW alarm of some kinds.

    Listens on the bus subject ``alarms.changed``; an alarm is linked once, when it is
    first raised (repeats and workflow steps publish the same subject again).
    """

    def __init__(
        self,
        bus: Bus,
        linkage: Linkage,
        kinds: frozenset[str],
        targets: Targets,
        clip_params: dict[str, Any],
        name: str,
    ) -> None:
        self.bus, self.linkage, self.kinds = bus, linkage, kinds
        self.targets, self.clip_params, self.name = targets, clip_params, name
        self._linked: OrderedDict[str, None] = OrderedDict()
        self._sub: Subscription | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Subscribe to alarm changes."""
        self._sub = await self.bus.subscribe("alarms.changed")
        self._task = asyncio.create_task(self._listen(self._sub), name=f"{self.name}-linkage")

    async def stop(self) -> None:
        """Stop listening."""
        await stop_task(self._task)
        self._task = None
        if self._sub is not None:
            await self._sub.close()
            self._sub = None

    async def _listen(self, sub: Subscription) -> None:
        async for msg in sub:
            try:
                await self.on_alarm(msg.data)
            except Exception:  # one bad alarm must not stop the linkage
                log.exception("%s linkage for %s failed", self.name, msg.data.get("id"))

    async def on_alarm(self, data: dict[str, Any]) -> list[LinkageRequest]:
        """Link an alarm seen for the first time to its cameras; the requests made."""
        alarm_id = data.get("id")
        if data.get("kind") not in self.kinds or not isinstance(alarm_id, str):
            return []
        if alarm_id in self._linked or data.get("state") != "new" or data.get("event_count") != 1:
            return []
        self._linked[alarm_id] = None
        while len(self._linked) > 10_000:
            self._linked.popitem(last=False)
        found = await asyncio.to_thread(self.targets, alarm_id)
        if found is None or not found[1]:
            return []
        event_id, cameras, site_id, at = found
        requests = [
            LinkageRequest("snapshot", alarm_id, event_id, at, cameras, site_id),
            LinkageRequest(
                "clip", alarm_id, event_id, at, cameras, site_id, dict(self.clip_params)
            ),
        ]
        for req in requests:
            self.linkage.trigger(req)
        return requests
