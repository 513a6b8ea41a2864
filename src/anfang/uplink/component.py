"""The uplink's running part: a writer hook that queues what the uppers are owed in the same
transaction as the alarm or record, and one :class:`Link` per enabled upper platform.

Settings changes restart only the links whose settings changed. Device changes give new
devices their national IDs, refresh the lookups and notify catalog subscribers (ADD,
DEL, ON, OFF). Backlog, its age, the last success and each link's state are exported
to ``/metrics``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.core.capabilities import CAPTURES, Key
from anfang.core.events import Event
from anfang.core.facts import fact_sources
from anfang.core.writer import WriteContext
from anfang.kernel import Kernel
from anfang.store.base import utcnow
from anfang.store.models import Device
from anfang.uplink import facts, outbox, service, status
from anfang.uplink.adapters import gb28181 as gb
from anfang.uplink.district import DistrictNode
from anfang.uplink.federation import DistrictPublisher
from anfang.uplink.links import DROPPED, SENT, Link, SharedDevice, signature
from anfang.uplink.models import NationalId, OutboxItem, UpperPlatform
from anfang.uplink.schemas import PlatformOut

log = logging.getLogger(__name__)
T = TypeVar("T")
STATUS_EVERY_S = 5.0
_STATE_KINDS = {
    "registered": "uplink.online",
    "offline": "uplink.offline",
    "refused": "uplink.refused",
}


class Uplink:
    """Writer hook, link supervisor and the API's view of the uplink."""

    def __init__(self, platform: Kernel) -> None:
        self.platform = platform
        self.links: dict[int, Link] = {}
        self._targets: list[outbox.Target] = []
        self._by_code: dict[str, SharedDevice] = {}
        self._by_nid: dict[str, SharedDevice] = {}
        self._backlog: dict[int, dict[str, Any]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._reconfigure_lock = asyncio.Lock()

    def accepted(self, platform_id: int) -> bool:
        """Whether that upper platform accepts anfang now (registered)."""
        link = self.links.get(platform_id)
        return link is not None and link.registered.is_set()

    # ------------------------------------------------------------------ writer hook

    def load(self, session: Session) -> None:
        """Read the enabled uppers and the national IDs."""
        self._targets = [
            outbox.Target(r.id, r.protocol, r.policy)
            for r in session.scalars(select(UpperPlatform).where(UpperPlatform.enabled.is_(True)))
        ]
        rows = session.execute(
            select(Device, NationalId.national_id).join(
                NationalId, NationalId.device_id == Device.id
            )
        )
        old = self._by_nid
        self._by_code, self._by_nid = {}, {}
        for d, nid in rows:
            dev = SharedDevice(d.code, d.name, d.type, d.state, nid)
            self._by_code[d.code], self._by_nid[nid] = dev, dev
        if old:
            self._notify_catalog_diff(old, self._by_nid)

    def prepare(self, ctx: WriteContext, events: list[Event]) -> list[Event]:
        """Nothing to add."""
        return []

    def after_insert(self, ctx: WriteContext, events: list[Event]) -> None:
        """Queue new alarms and face / plate records for the uppers; note device states."""
        if self._targets:
            reader = self.platform.capabilities.get(CAPTURES)
            added = outbox.enqueue(
                ctx, events, self._targets, reader.read_capture if reader else None
            )
            if added:
                ctx.after_commit(self._wake_all)
        states = [d for s, d in ctx.outbox if s == "devices.state"]
        if states:
            ctx.after_commit(lambda: self._states(states))

    def on_changed(self, ctx: WriteContext, topics: set[str]) -> None:
        """Uppers or devices changed: assign IDs, reload, restart what changed."""
        if "devices" in topics or service.TOPIC in topics:
            service.assign_ids(ctx, self.platform.settings.uplink_centre)
            ctx.session.flush()
            self.load(ctx.session)
            ctx.after_commit(self._schedule_reconfigure)

    # ------------------------------------------------------------------ life

    async def start(self) -> None:
        """Assign national IDs, load, start a link per enabled upper."""
        self._loop = asyncio.get_running_loop()

        def startup(ctx: WriteContext) -> None:
            service.assign_ids(ctx, self.platform.settings.uplink_centre)
            ctx.session.flush()
            self.load(ctx.session)

        await self.platform.writer.run(startup)
        await self.reconfigure()
        self._spawn(self._status_loop())

    async def stop(self) -> None:
        """Stop every link (each unregisters)."""
        for t in list(self._tasks):
            t.cancel()
        for t in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        await asyncio.gather(*(link.stop() for link in self.links.values()))
        self.links.clear()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _schedule_reconfigure(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(lambda: self._spawn(self.reconfigure()))

    async def reconfigure(self) -> None:
        """Start, restart or stop links to match the settings."""
        async with self._reconfigure_lock:
            rows = await self.read(service.platforms)
            wanted = {r.id: r for r in rows if r.enabled}
            for pid in list(self.links):
                link = self.links[pid]
                row = wanted.get(pid)
                if row is None or link.signature != signature(row):
                    await link.stop()
                    del self.links[pid]
            for pid, row in wanted.items():
                if pid not in self.links:
                    try:
                        link = Link(self, row)
                        await link.start()
                    except Exception:  # one upper's bad settings must not stop the others
                        log.exception("uplink: upper %s cannot start", row.name)
                        continue
                    self.links[pid] = link

    def _wake_all(self) -> None:
        if self._loop is not None:
            for link in list(self.links.values()):
                self._loop.call_soon_threadsafe(link.wake)

    # ------------------------------------------------------------------ LinkHost

    async def read(self, fn: Callable[[Session], T]) -> T:
        """Run ``fn`` on a read session in a thread."""

        def run() -> T:
            with self.platform.read_session() as s:
                return fn(s)

        return await asyncio.to_thread(run)

    async def settle(
        self, link: Link, items: list[OutboxItem], outcomes: dict[int, tuple[str, str]]
    ) -> None:
        """Record outcomes; what went up is audited (what, to whom, when) in one entry."""
        if not outcomes:
            return
        at = utcnow()
        sent = [i for i in items if outcomes.get(i.id, ("", ""))[0] == "sent"]
        dropped = [i for i in items if outcomes.get(i.id, ("", ""))[0] == "dropped"]

        def job(ctx: WriteContext) -> None:
            service.settle(ctx, link.id, outcomes, at)
            if sent or dropped:
                detail = {
                    "kinds": sorted({i.kind for i in sent}),
                    "sent": [f"{i.kind}:{i.ref}" for i in sent],
                    "dropped": [f"{i.kind}:{i.ref}" for i in dropped],
                }
                self.platform.audit.append(
                    ctx,
                    f"uplink:{link.name}",
                    "uplink.upload",
                    f"uplink_platform:{link.id}",
                    detail,
                )

        await self.platform.writer.run(job)
        for i in sent:
            SENT.labels(link.name, i.kind).inc()
        if dropped:
            DROPPED.labels(link.name, "refused").inc(len(dropped))

    def national_id(self, code: str, share: list[str] | None) -> str | None:
        """A device's national ID, when it has one and (with ``share``) its type is shared."""
        dev = self._by_code.get(code)
        if dev is None or (share is not None and dev.type not in share):
            return None
        return dev.national_id

    def device_by_national(self, nid: str, share: list[str]) -> SharedDevice | None:
        """The shared device with national ID ``nid``."""
        dev = self._by_nid.get(nid)
        return dev if dev is not None and dev.type in share else None

    def audit_view(self, link: Link, code: str, detail: dict[str, Any]) -> None:
        """Audit an upper's video session (fire and forget: the call must not wait)."""

        def job(ctx: WriteContext) -> None:
            self.platform.audit.append(
                ctx, f"uplink:{link.name}", "video.uplink.view", f"camera:{code}", detail
            )

        self._spawn(self.platform.writer.run(job))

    def link_state(self, link: Link) -> None:
        """Record an upper coming, going or refusing as an event (an operator sees it)."""
        kind = _STATE_KINDS.get(link.status.state)
        if kind is None or link.reported == kind:
            return
        link.reported = kind
        payload = {"platform": link.name, "detail": link.status.detail}
        event = Event.create(kind, f"uplink:{link.name}", payload=payload)
        self._spawn(self.platform.pipeline.submit(event))

    # ------------------------------------------------------------------ catalog changes

    def _states(self, states: list[dict[str, Any]]) -> None:
        items: list[tuple[SharedDevice, str]] = []
        for st in states:
            dev = self._by_code.get(str(st.get("code")))
            if dev is None:
                continue
            new = SharedDevice(dev.code, dev.name, dev.type, str(st.get("state")), dev.national_id)
            self._by_code[dev.code] = self._by_nid[dev.national_id] = new
            items.append((new, "OFF" if new.state == "offline" else "ON"))
        if items and self._loop is not None:
            self._loop.call_soon_threadsafe(lambda: self._spawn(self._notify(items)))

    def _notify_catalog_diff(
        self, old: dict[str, SharedDevice], new: dict[str, SharedDevice]
    ) -> None:
        changes = [(d, "ADD") for n, d in new.items() if n not in old]
        changes += [(d, "DEL") for n, d in old.items() if n not in new]
        changes += [(d, "UPDATE") for n, d in new.items() if n in old and old[n].name != d.name]
        if changes and self._loop is not None:
            self._loop.call_soon_threadsafe(lambda: self._spawn(self._notify(changes)))

    async def _notify(self, changes: list[tuple[SharedDevice, str]]) -> None:
        for link in list(self.links.values()):
            if link.agent is None:
                continue
            items = [
                gb.CatalogItem(
                    d.national_id,
                    d.name,
                    link.local_id,
                    d.national_id[:6],
                    d.state != "offline",
                    model=d.type,
                    address=d.code,
                    event=event,
                )
                for d, event in changes
                if d.type in link.share
            ]
            if items:
                await link.agent.notify_catalog(items)

    # ------------------------------------------------------------------ status

    async def _status_loop(self) -> None:
        while True:
            with contextlib.suppress(Exception):
                await self.refresh_status()
            await asyncio.sleep(STATUS_EVERY_S)

    async def refresh_status(self) -> None:
        """Read the backlog and export it."""
        self._backlog = await self.read(service.backlog)
        status.export(self.links, self._backlog)

    async def describe(self, rows: list[UpperPlatform]) -> list[PlatformOut]:
        """The uppers with their live state and backlog."""
        await self.refresh_status()
        return [status.describe(r, self.links.get(r.id), self._backlog.get(r.id, {})) for r in rows]


UPLINK: Key[Uplink] = Key("uplink")


DISTRICT: Key[DistrictNode] = Key("uplink.district")


def make_publisher(platform: Kernel) -> DistrictPublisher | None:
    """A community's publisher to its district, when ``ANFANG_UPLINK_DISTRICT_URL`` is set."""
    s = platform.settings
    if not s.uplink_district_url or s.uplink_role != "community":
        return None
    publisher = DistrictPublisher(platform)
    platform.writer.hooks.append(publisher)
    return publisher


def make_district(platform: Kernel) -> DistrictNode | None:
    """The district node, when ``ANFANG_UPLINK_ROLE=district`` (it needs the NATS URL)."""
    s = platform.settings
    if s.uplink_role != "district":
        return None
    if not s.uplink_district_url:
        raise RuntimeError("ANFANG_UPLINK_ROLE=district needs ANFANG_UPLINK_DISTRICT_URL")
    node = DistrictNode(platform)
    platform.capabilities.provide(DISTRICT, node)
    return node


def make(platform: Kernel) -> Uplink | None:
    """The component, unless ``ANFANG_UPLINK_ENABLED`` is off."""
    if not platform.settings.uplink_enabled:
        return None
    up = Uplink(platform)
    platform.writer.hooks.append(up)
    platform.capabilities.provide(UPLINK, up)
    fact_sources(platform.capabilities).add("uplink", facts.source(up.accepted))
    return up
