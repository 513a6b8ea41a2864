"""One running link per enabled upper platform: its agent (GB/T 28181) or client (GA/T 1400)
and the forwarder that empties its outbox in order once the upper answers.

A GB/T 28181 link also answers for the site: the catalog of the shared devices, their
state, what a camera has recorded, and its pictures for an INVITE (each video session is
audited: the upper is watching recorded or live material).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from prometheus_client import Counter

from anfang.core.capabilities import VIDEO_SOURCE, VideoUnit
from anfang.store.base import utcnow
from anfang.uplink import ids, service, subscriptions
from anfang.uplink.adapters import ga1400, gb_alarm
from anfang.uplink.adapters import gb28181 as gb
from anfang.uplink.adapters.gb_agent import GbAgent
from anfang.uplink.adapters.gb_sdp import Offer
from anfang.uplink.adapters.link_state import AgentState, GbConfig
from anfang.uplink.adapters.viid_client import UploadFailed, ViidClient, ViidConfig
from anfang.uplink.models import OutboxItem, UpperPlatform

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from anfang.kernel import Kernel

T = TypeVar("T")

log = logging.getLogger(__name__)
SENT = Counter(
    "anfang_uplink_sent_total", "Items accepted by upper platforms", ["platform", "kind"]
)
DROPPED = Counter("anfang_uplink_dropped_total", "Items given up", ["platform", "reason"])
BATCH = 20  # records per GA/T 1400 POST
_RETRY_MAX = 30.0


@dataclass(frozen=True, slots=True)
class SharedDevice:
    """A device with a national ID, as the links look it up."""

    code: str
    name: str
    type: str
    state: str
    national_id: str


class LinkHost(Protocol):
    """What a link asks of the uplink component."""

    platform: Kernel

    async def read(self, fn: Callable[[Session], T]) -> T:
        """Run ``fn`` on a read session in a thread."""

    async def settle(
        self, link: Link, items: list[OutboxItem], outcomes: dict[int, tuple[str, str]]
    ) -> None:
        """Record what the upper took (audited) and what it did not."""

    def national_id(self, code: str, share: list[str] | None) -> str | None:
        """A device's national ID (None: none, or its type not in ``share``)."""

    def device_by_national(self, nid: str, share: list[str]) -> SharedDevice | None:
        """The shared device with national ID ``nid``."""

    def audit_view(self, link: Link, code: str, detail: dict[str, Any]) -> None:
        """Audit that the upper is watching camera ``code``."""

    def link_state(self, link: Link) -> None:
        """A link's state changed."""


class Link:
    """An upper platform's agent and outbox forwarder."""

    def __init__(self, up: LinkHost, row: UpperPlatform) -> None:
        self.up = up
        self.kernel: Kernel = up.platform
        self.id, self.name, self.protocol = row.id, row.name, row.protocol
        self.local_id, self.share = row.local_id, list(row.share)
        self.signature = signature(row)
        pw = service.password(self.kernel.secrets, row)
        self.agent: GbAgent | None = None
        self.client: ViidClient | None = None
        if row.protocol == "gb28181":
            cfg = GbConfig(
                row.name,
                row.server_id,
                row.realm or row.server_id[:10],
                row.host,
                row.port,
                row.transport,
                row.local_id,
                self.kernel.settings.uplink_sip_host,
                row.local_port,
                pw,
                row.charset,
                row.version,
                row.expires_s,
                row.keepalive_s,
            )
            self.agent = GbAgent(cfg, self, on_state=lambda _a: self._changed())
        else:
            scheme = "https" if row.transport == "https" else "http"
            base = f"{scheme}://{row.host}:{row.port}"
            viid = ViidConfig(row.name, base, row.local_id, pw, row.keepalive_s)
            self.client = ViidClient(viid, on_state=self._changed)
        link = self.agent if self.agent is not None else self.client
        assert link is not None
        self.status: AgentState = link.status
        self.registered: asyncio.Event = link.registered
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.reported: str | None = None  # the last state event recorded

    async def start(self) -> None:
        """Start the agent and the forwarder."""
        if self.agent is not None:
            await self.agent.start()
        elif self.client is not None:
            await self.client.start()
        self._task = asyncio.create_task(self._forward(), name=f"uplink-forward-{self.name}")

    async def stop(self) -> None:
        """Stop forwarding, then the agent (it unregisters)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self.agent is not None:
            await self.agent.stop()
        if self.client is not None:
            await self.client.stop()

    def wake(self) -> None:
        """Something was queued or the upper came back."""
        self._wake.set()

    def _changed(self) -> None:
        self.wake()
        self.up.link_state(self)

    # ------------------------------------------------------------------ forwarding

    async def _forward(self) -> None:
        retry = 1.0
        while True:
            await self.registered.wait()
            items = await self.up.read(lambda s: service.queued(s, self.id, BATCH * 5))
            if not items:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(5.0):
                        await self._wake.wait()
                continue
            outcomes = await self._send(items)
            await self.up.settle(self, items, outcomes)
            if any(state == "queued" for state, _ in outcomes.values()):
                # The upper did not take them: back off, unless it registers again sooner.
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(retry):
                        await self._wake.wait()
                retry = min(retry * 2, _RETRY_MAX)
            else:
                retry = 1.0

    async def _send(self, items: list[OutboxItem]) -> dict[int, tuple[str, str]]:
        out: dict[int, tuple[str, str]] = {}
        if self.agent is not None:
            for item in items:  # in order: the first failure stops the batch
                ok = await self.agent.alarm(self._alarm_body(item))
                out[item.id] = ("sent", "") if ok else ("queued", "no 200 to the Alarm Notify")
                if not ok:
                    break
            return out
        assert self.client is not None
        subs = await self.up.read(lambda s: subscriptions.active(s, self.id, utcnow()))
        for kind, path in (("face", "/VIID/Faces"), ("vehicle", "/VIID/MotorVehicles")):
            chunk = [i for i in items if i.kind == kind][:BATCH]
            if not chunk:
                continue
            records = [self._record(i, n) for n, i in enumerate(chunk)]
            if subs.get(kind):  # the upper subscribed: notify it there instead of pushing
                out.update(await self._notify(chunk, records, subs[kind]))
                continue
            body = (
                ga1400.faces([r for r in records if isinstance(r, ga1400.FaceRecord)])
                if kind == "face"
                else ga1400.vehicles([r for r in records if isinstance(r, ga1400.VehicleRecord)])
            )
            try:
                codes = dict(await self.client.upload(path, body))
            except UploadFailed as exc:
                out.update({i.id: ("queued", str(exc)) for i in chunk})
                break
            for item, rec in zip(chunk, records, strict=True):
                rid = rec.face_id if isinstance(rec, ga1400.FaceRecord) else rec.vehicle_id
                code = codes.get(rid, "0" if len(codes) == len(chunk) else "missing")
                out[item.id] = ("sent", "") if code == "0" else ("dropped", f"refused: {code}")
        return out

    async def _notify(
        self, chunk: list[OutboxItem], records: list[Any], targets: list[tuple[str, str]]
    ) -> dict[int, tuple[str, str]]:
        assert self.client is not None
        faces = [r for r in records if isinstance(r, ga1400.FaceRecord)]
        cars = [r for r in records if isinstance(r, ga1400.VehicleRecord)]
        try:
            for sid, addr in targets:
                body = ga1400.subscription_notification(sid, faces, cars)
                await self.client.notify(addr, body)
        except UploadFailed as exc:
            return {i.id: ("queued", str(exc)) for i in chunk}
        return {i.id: ("sent", "") for i in chunk}

    def _alarm_body(self, item: OutboxItem) -> bytes:
        assert self.agent is not None
        b = item.body
        channel = self.up.national_id(str(b.get("source", "")), self.share) or self.local_id
        at = datetime.fromisoformat(b["at"]) if b.get("at") else item.created_at
        return gb_alarm.alarm_notify(
            self.agent.next_sn(),
            channel,
            int(b.get("priority") or 3),
            str(b.get("kind", "")),
            at,
            str(b.get("title", "")),
            self.agent.cfg.charset,
        )

    def _record(self, item: OutboxItem, n: int) -> ga1400.FaceRecord | ga1400.VehicleRecord:
        b = item.body
        device = self.up.national_id(str(b.get("source", "")), None) or self.local_id
        at = datetime.fromisoformat(b["at"])
        source = ids.source_id(device, at, item.id)
        if item.kind == "face":
            images: tuple[dict[str, Any], ...] = ()
            if item.attachment:
                image_id = ids.source_id(device, at, item.id + n + 1)
                images = (ga1400.sub_image(image_id, device, "14", at, item.attachment, (0, 0)),)
            return ga1400.FaceRecord(
                ids.record_id(source, "face", item.id), source, device, at, images
            )
        return ga1400.VehicleRecord(
            ids.record_id(source, "vehicle", item.id),
            source,
            device,
            at,
            str(b["plate"]),
            str(b.get("colour", "")),
            str(b.get("direction", "")),
        )

    # ------------------------------------------------------------------ GbHost

    async def catalog(self) -> list[gb.CatalogItem]:
        """The shared devices as catalog items."""
        rows = await self.up.read(lambda s: service.shared(s, self.share))
        return [service.catalog_item(d, n, self.local_id) for d, n in rows]

    async def device_online(self, device_id: str) -> bool | None:
        """anfang itself, or a shared device's state."""
        if device_id == self.local_id:
            return True
        dev = self.up.device_by_national(device_id, self.share)
        return None if dev is None else dev.state != "offline"

    async def records(
        self, device_id: str, start: datetime, end: datetime
    ) -> tuple[str, list[gb.RecordItem]] | None:
        """A shared camera's recorded spans."""
        dev = self.up.device_by_national(device_id, self.share)
        source = self.kernel.capabilities.get(VIDEO_SOURCE)
        if dev is None or source is None or ids.type_code(device_id) not in ids.VIDEO_TYPES:
            return None
        spans = await asyncio.to_thread(source.recorded, dev.code, start, end)
        return dev.name, [gb.RecordItem(s.start, s.end, s.size) for s in spans]

    def video(self, channel: str, offer: Offer) -> AsyncIterator[VideoUnit] | None:
        """The pictures of a shared camera (audited as the upper's viewing)."""
        dev = self.up.device_by_national(channel, self.share)
        source = self.kernel.capabilities.get(VIDEO_SOURCE)
        if dev is None or source is None or ids.type_code(channel) not in ids.VIDEO_TYPES:
            return None
        detail: dict[str, Any] = {"channel": channel, "session": offer.session}
        if offer.session == "Play":
            units = source.live(dev.code)
        else:
            start = datetime.fromtimestamp(offer.start, UTC)
            end = datetime.fromtimestamp(offer.end, UTC)
            detail |= {"start": start.isoformat(), "end": end.isoformat()}
            units = source.playback(dev.code, start, end)
        self.up.audit_view(self, dev.code, detail)
        return units


def signature(row: UpperPlatform) -> tuple[Any, ...]:
    """What, when changed, needs the link restarted."""
    return (
        row.enabled,
        row.protocol,
        row.server_id,
        row.realm,
        row.host,
        row.port,
        row.transport,
        row.local_id,
        row.local_port,
        row.password_sealed,
        row.charset,
        row.version,
        row.expires_s,
        row.keepalive_s,
        tuple(row.share),
        row.policy,
    )
