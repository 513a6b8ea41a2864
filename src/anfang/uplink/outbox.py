"""What goes into the outbox, decided in the writer's transaction (a writer hook's part), so
that an alarm or record committed is never without its uplink item: new alarms for every
GB/T 28181 upper, face and plate records for every GA/T 1400 upper its policy lets them go
to. Face images are copied into the item: retention may delete the capture before an
unreachable upper comes back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from anfang.core.events import Event
from anfang.core.writer import WriteContext
from anfang.store.base import utcnow
from anfang.uplink.models import OutboxItem

FACE_KINDS = ("access.granted", "access.denied", "face.watchlist_hit")
VEHICLE_KINDS = ("parking.entry", "parking.exit")
_SEEN = "uplink.outbox_seen"  # how far into a batch's bus outbox alarms were looked at


@dataclass(frozen=True, slots=True)
class Target:
    """An enabled upper platform as the outbox sees it."""

    id: int
    protocol: str
    policy: str


def new_alarms(ctx: WriteContext) -> list[dict[str, Any]]:
    """The alarms created in this batch so far and not looked at yet."""
    start = ctx.session.info.get(_SEEN, 0)
    ctx.session.info[_SEEN] = len(ctx.outbox)
    return [
        data
        for subject, data in ctx.outbox[start:]
        if subject == "alarms.changed"
        and data.get("state") == "new"
        and data.get("event_count") == 1
    ]


def face_of(ev: Event) -> dict[str, Any] | None:
    """A face capture event's record data, or None when it carries no capture."""
    if not ev.kind.startswith(FACE_KINDS):
        return None
    capture = next(
        (m for m in ev.media if isinstance(m, dict) and m.get("type") == "capture"), None
    )
    if capture is None:
        return None
    p = ev.payload
    watch = (
        ev.kind == "face.watchlist_hit"
        or bool(p.get("watchlist"))
        or (p.get("reason") == "face_watchlist")
    )
    return {
        "source": ev.source,
        "at": ev.occurred_at.isoformat(),
        "capture": str(capture.get("name", "")),
        "watchlist": watch,
        "event": ev.id,
    }


def vehicle_of(ev: Event) -> dict[str, Any] | None:
    """A plate event's record data, or None when it has no plate."""
    if ev.kind not in VEHICLE_KINDS:
        return None
    plate = str(ev.payload.get("plate") or "")
    if not plate:
        return None
    return {
        "source": ev.source,
        "at": ev.occurred_at.isoformat(),
        "plate": plate,
        "colour": str(ev.payload.get("colour") or ""),
        "direction": "in" if ev.kind == "parking.entry" else "out",
        "watchlist": bool(ev.payload.get("blacklist")),
        "event": ev.id,
    }


def enqueue(
    ctx: WriteContext,
    events: list[Event],
    targets: list[Target],
    read_capture: Callable[[str], bytes | None] | None,
) -> int:
    """Add the outbox items this batch owes the upper platforms; how many were added."""
    gb = [t for t in targets if t.protocol == "gb28181"]
    viid = [t for t in targets if t.protocol == "ga1400" and t.policy != "none"]
    now = utcnow()
    items: list[OutboxItem] = []
    if gb:
        for alarm in new_alarms(ctx):
            body = {
                "alarm": alarm["id"],
                "kind": alarm["kind"],
                "source": alarm.get("source", ""),
                "priority": alarm.get("priority", 3),
                "title": alarm.get("title", ""),
                "at": alarm.get("created_at"),
            }
            items += [
                OutboxItem(
                    platform_id=t.id, kind="alarm", ref=str(alarm["id"]), body=body, created_at=now
                )
                for t in gb
            ]
    if viid:
        for ev in events:
            face = face_of(ev)
            record, kind = (face, "face") if face else (vehicle_of(ev), "vehicle")
            if record is None:
                continue
            image = None
            if kind == "face" and read_capture is not None and record["capture"]:
                image = read_capture(record["capture"])
                record["image_missing"] = image is None
            for t in viid:
                if t.policy == "watchlist" and not record["watchlist"]:
                    continue
                items.append(
                    OutboxItem(
                        platform_id=t.id,
                        kind=kind,
                        ref=ev.id,
                        body=record,
                        attachment=image,
                        created_at=now,
                    )
                )
    ctx.session.add_all(items)
    return len(items)
