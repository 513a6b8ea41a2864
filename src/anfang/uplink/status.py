"""The uplink's state as the console and ``/metrics`` see it: each upper's link state, its
backlog and the age of its oldest item, the last success."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prometheus_client import Gauge

from anfang.uplink.links import Link
from anfang.uplink.models import UpperPlatform
from anfang.uplink.schemas import PlatformOut

BACKLOG = Gauge("anfang_uplink_backlog", "Items queued for an upper platform", ["platform"])
BACKLOG_AGE = Gauge(
    "anfang_uplink_backlog_age_seconds", "Age of the oldest queued item", ["platform"]
)
LAST_SUCCESS = Gauge(
    "anfang_uplink_last_success_timestamp_seconds", "When an upper last took an item", ["platform"]
)
REGISTERED = Gauge("anfang_uplink_registered", "1 while the upper accepts anfang", ["platform"])


def export(links: dict[int, Link], backlog: dict[int, dict[str, Any]]) -> None:
    """Set the gauges of every running link."""
    now = datetime.now(UTC)
    for pid, link in links.items():
        b = backlog.get(pid, {})
        BACKLOG.labels(link.name).set(b.get("backlog", 0))
        oldest = b.get("oldest_queued_at")
        BACKLOG_AGE.labels(link.name).set((now - oldest).total_seconds() if oldest else 0)
        REGISTERED.labels(link.name).set(1 if link.registered.is_set() else 0)
        last = b.get("last_success_at")
        if last is not None:
            LAST_SUCCESS.labels(link.name).set(last.timestamp())


def describe(r: UpperPlatform, link: Link | None, b: dict[str, Any]) -> PlatformOut:
    """One upper with its live state."""
    st = link.status if link is not None else None
    sessions = len(link.agent.calls.calls) if link and link.agent else 0
    return PlatformOut(
        id=r.id,
        name=r.name,
        protocol=r.protocol,
        enabled=r.enabled,
        server_id=r.server_id,
        realm=r.realm,
        host=r.host,
        port=r.port,
        transport=r.transport,
        local_id=r.local_id,
        local_port=r.local_port,
        has_password=bool(r.password_sealed),
        charset=r.charset,
        version=r.version,
        expires_s=r.expires_s,
        keepalive_s=r.keepalive_s,
        share=list(r.share),
        policy=r.policy,
        updated_at=r.updated_at,
        updated_by=r.updated_by,
        last_success_at=r.last_success_at,
        state=st.state if st else ("stopped" if not r.enabled else "starting"),
        detail=st.detail if st else "",
        detail_code=st.code if st else "",
        clock_offset_s=st.clock_offset_s if st else None,
        backlog=b.get("backlog", 0),
        oldest_queued_at=b.get("oldest_queued_at"),
        sent=b.get("sent", 0),
        dropped=b.get("dropped", 0),
        media_sessions=sessions,
    )
