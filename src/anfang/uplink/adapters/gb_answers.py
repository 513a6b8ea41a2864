"""What the GB/T 28181 agent answers: the upper's queries (Catalog, DeviceInfo,
DeviceStatus, RecordInfo) from a :class:`GbHost`, and its catalog subscriptions, notified
in their dialog when devices come, go or change state."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from prometheus_client import Counter

from anfang.uplink.adapters import gb28181 as gb
from anfang.uplink.adapters.gb_calls import GbMedia
from anfang.uplink.adapters.link_state import AgentState, GbConfig
from anfang.wire import sip
from anfang.wire.sip import SipRequest
from anfang.wire.sip_transaction import Addr, SipTransactions

QUERIES = Counter("anfang_uplink_gb_queries_total", "Upper platform queries", ["cmd", "outcome"])


class GbHost(GbMedia, Protocol):
    """What the agent reports, asked of the uplink service."""

    async def catalog(self) -> list[gb.CatalogItem]:
        """The shared channels."""

    async def device_online(self, device_id: str) -> bool | None:
        """Whether a channel (or anfang itself) is online; None: not shared."""

    async def records(
        self, device_id: str, start: datetime, end: datetime
    ) -> tuple[str, list[gb.RecordItem]] | None:
        """A camera's name and recorded spans; None when not a shared camera."""


class Agent(Protocol):
    """What answering needs of the agent."""

    cfg: GbConfig
    host: GbHost
    status: AgentState
    endpoint: SipTransactions | None

    @property
    def budget(self) -> int:
        """The most body bytes one MESSAGE may carry."""

    def next_sn(self) -> int:
        """The next SN."""

    def contact(self) -> str:
        """Our Contact header value."""

    def peer(self) -> Addr:
        """The upper's address."""

    async def send_all(self, bodies: list[bytes], parallel: int = 16) -> int:
        """Send MESSAGEs; how many got 200."""


async def on_message(agent: Agent, req: SipRequest, peer: Addr) -> None:
    """A MESSAGE from the upper: 400 when its MANSCDP body is unreadable, else 200, then the
    answer to a Query (an Alarm response or other answer needs only the 200)."""
    assert agent.endpoint is not None
    try:
        q = gb.parse(req.body)
    except gb.ManscdpError as exc:
        QUERIES.labels("unknown", "refused").inc()
        agent.endpoint.reply(req, peer, 400, reason=str(exc)[:60])
        return
    agent.endpoint.reply(req, peer, 200)
    if q.root != "Query":
        QUERIES.labels(q.cmd_type[:20], "noted").inc()
        return
    await answer_query(agent, q)


async def answer_query(agent: Agent, q: gb.Query) -> None:
    """Answer one query (as MESSAGEs of their own, after the 200)."""
    cfg, cs = agent.cfg, agent.cfg.charset
    bodies: list[bytes]
    if q.cmd_type == "Catalog":
        items = await agent.host.catalog()
        bodies = gb.catalog(q.sn, cfg.local_id, items, agent.budget, cs)
    elif q.cmd_type == "DeviceInfo":
        online = await agent.host.device_online(q.device_id)
        if online is None:
            QUERIES.labels(q.cmd_type, "unknown_device").inc()
            return
        count = len(await agent.host.catalog()) if q.device_id == cfg.local_id else 1
        bodies = [gb.device_info(q.sn, q.device_id, cfg.name, "anfang", "1.0", count, cs)]
    elif q.cmd_type == "DeviceStatus":
        online = await agent.host.device_online(q.device_id)
        if online is None:
            QUERIES.labels(q.cmd_type, "unknown_device").inc()
            return
        bodies = [gb.device_status(q.sn, q.device_id, online, datetime.now(UTC), cs)]
    elif q.cmd_type == "RecordInfo":
        start = gb.parse_gb_time(q.fields.get("StartTime", ""))
        end = gb.parse_gb_time(q.fields.get("EndTime", ""))
        found = await agent.host.records(q.device_id, start, end) if start and end else None
        if found is None:
            QUERIES.labels(q.cmd_type, "refused").inc()
            return
        name, records = found
        bodies = gb.record_info(q.sn, q.device_id, name, records, agent.budget, cs)
    else:
        QUERIES.labels(q.cmd_type[:20], "unsupported").inc()
        return
    sent = await agent.send_all(bodies)
    QUERIES.labels(q.cmd_type, "answered" if sent == len(bodies) else "partly").inc()


@dataclass(slots=True)
class _Subscription:
    call_id: str
    remote_from: str  # their From (our NOTIFY's To)
    local_to: str  # their To with our tag (our NOTIFY's From)
    target: str
    event_id: str
    expires_at: float
    cseq: int = 1


class Subscriptions:
    """The upper's live catalog subscriptions."""

    def __init__(self, agent: Agent) -> None:
        self.agent = agent
        self._subs: dict[str, _Subscription] = {}

    def on_subscribe(self, req: SipRequest, peer: Addr) -> None:
        """Take a SUBSCRIBE (Expires 0: end it) and answer it."""
        ep = self.agent.endpoint
        assert ep is not None
        event = req.header("event") or ""
        if not event.lower().startswith("catalog"):
            ep.reply(req, peer, 489, reason="Bad Event")
            return
        expires = req.header("expires") or "600"
        secs = int(expires) if expires.isdigit() else 600
        tag = req.to_tag or sip.new_tag()
        local_to = req.header("to") if req.to_tag else f"{req.header('to')};tag={tag}"
        contact = sip.parse_name_addr(req.header("contact") or req.header("from") or "").uri
        if secs == 0:
            self._subs.pop(req.call_id, None)
        else:
            self._subs[req.call_id] = _Subscription(
                req.call_id,
                req.header("from") or "",
                local_to or "",
                contact,
                sip.param(event, "id") or "1",
                time.monotonic() + secs,
            )
        self.agent.status.subscriptions = len(self._subs)
        ep.reply(req, peer, 200, to_tag=tag, headers=[("Expires", str(secs))])

    async def notify(self, items: list[gb.CatalogItem]) -> int:
        """NOTIFY every live catalog subscription of ``items`` (each with its Event)."""
        now, sent = time.monotonic(), 0
        for key, sub in list(self._subs.items()):
            if sub.expires_at < now:
                del self._subs[key]
                continue
            a = self.agent
            bodies = gb.catalog_notify(a.next_sn(), a.cfg.local_id, items, a.budget, a.cfg.charset)
            for body in bodies:
                sent += await self._notify(sub, body)
        self.agent.status.subscriptions = len(self._subs)
        return sent

    async def _notify(self, sub: _Subscription, body: bytes) -> int:
        ep = self.agent.endpoint
        assert ep is not None
        sub.cseq += 1
        left = max(0, int(sub.expires_at - time.monotonic()))
        headers = [
            ("From", sub.local_to),
            ("To", sub.remote_from),
            ("Call-ID", sub.call_id),
            ("CSeq", f"{sub.cseq} NOTIFY"),
            ("Event", f"Catalog;id={sub.event_id}"),
            ("Subscription-State", f"active;expires={left}"),
            ("Content-Type", "Application/MANSCDP+xml"),
            ("Contact", self.agent.contact()),
        ]
        try:
            resp = await ep.request(self.agent.peer(), "NOTIFY", sub.target, headers, body)
        except (TimeoutError, ConnectionError):
            return 0
        return 1 if resp.status == 200 else 0
