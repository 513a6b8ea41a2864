"""A site with a patrol reader (PR-1), four checkpoints, a guard, a route through the four
(0, 5, 10, 15 minutes; 2 min tolerance) and a schedule whose first round started 30
minutes ago, all set up through the API; and a signed reader that swipes."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import orjson
import pytest

from anfang.app.platform import Platform
from anfang.core.writer import WriteContext
from anfang.ingest import http_push as hp
from anfang.store.base import utcnow
from anfang.subsystems.patrol.component import PATROL, PatrolComponent
from anfang.subsystems.patrol.models import PatrolSchedule
from tests.conftest import auth
from tests.ingest.conftest import add_device

SECRET = "0123456789abcdef0123456789abcdef"
TAGS = ["04A2000001", "04A2000002", "04A2000003", "04A2000004"]
TZ = ZoneInfo("Asia/Shanghai")


@dataclass
class Tour:
    """What the fixture built; ``start`` is the planned start of the first round."""

    client: httpx.AsyncClient
    headers: dict[str, str]
    start: datetime
    checkpoints: list[int]
    guard_id: int
    route_id: int
    schedule_id: int
    patrol: PatrolComponent

    async def push(
        self, *swipes: tuple[str, Any, float], code: str = "PR-1", kind: str = "patrol.checkpoint"
    ) -> httpx.Response:
        """Send swipes ``(device event id, payload, minutes after start)`` in one batch."""
        events = [
            {
                "id": ident,
                "kind": kind,
                "occurred_at": (self.start + timedelta(minutes=m)).isoformat(),
                "payload": payload,
            }
            for ident, payload, m in swipes
        ]
        body = orjson.dumps({"events": events})
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Anfang-Device": code,
            "X-Anfang-Timestamp": stamp,
            "X-Anfang-Signature": hp.sign(SECRET, stamp, body),
        }
        return await self.client.post("/api/v1/ingest/events", content=body, headers=headers)


def swipe(point: int, guard: str | None = "B-77", tag: str | None = None) -> dict[str, Any]:
    """A check-in payload of checkpoint ``point`` (1-based)."""
    out: dict[str, Any] = {"tag": tag or TAGS[point - 1], "tag_kind": "rfid"}
    if guard is not None:
        out["guard"] = guard
    return out


@pytest.fixture
async def tour(platform: Platform, app_client: httpx.AsyncClient, admin_token: str) -> Tour:
    """See the module docstring."""
    await add_device(platform, "PR-1", SECRET, subsystem="patrol")
    h = auth(admin_token)
    c = app_client
    ids = []
    for i, tag in enumerate(TAGS, 1):
        body = {"code": f"CP-{i}", "name": f"巡更点{i}", "tag": tag.lower(), "map_x": i}
        r = await c.post("/api/v1/patrol/checkpoints", json=body, headers=h)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    r = await c.post(
        "/api/v1/patrol/guards", json={"code": "G01", "name": "张伟", "badge": "B-77"}, headers=h
    )
    assert r.status_code == 201, r.text
    guard = r.json()["id"]
    points = [{"checkpoint_id": cp, "after_min": 0 if k == 0 else 5} for k, cp in enumerate(ids)]
    route = {"code": "R1", "name": "东线", "points": points, "tolerance_min": 2}
    r = await c.post("/api/v1/patrol/routes", json=route, headers=h)
    assert r.status_code == 201, r.text
    route_id = r.json()["id"]
    start = (utcnow() - timedelta(minutes=30)).astimezone(TZ).replace(second=0, microsecond=0)
    sched = {
        "route_id": route_id, "name": "白班", "guard_id": guard, "start_window_min": 5,
        "times": [start.strftime("%H:%M")],
    }  # fmt: skip
    r = await c.post("/api/v1/patrol/schedules", json=sched, headers=h)
    assert r.status_code == 201, r.text
    sched_id = r.json()["id"]
    await backdate(platform, sched_id, start)
    patrol = platform.capabilities.require(PATROL)
    return Tour(c, h, start, ids, guard, route_id, sched_id, patrol)


async def backdate(platform: Platform, schedule_id: int, before: datetime) -> None:
    """As if the schedule had been set up a minute before ``before`` (no round whose start
    window closed before a schedule's last edit is planned)."""

    def job(ctx: WriteContext) -> None:
        row = ctx.session.get(PatrolSchedule, schedule_id)
        assert row is not None
        row.updated_at = before - timedelta(minutes=1)

    await platform.writer.run(job)


async def rounds(tour: Tour) -> list[dict[str, Any]]:
    """The rounds of the first round's day."""
    r = await tour.client.get(
        "/api/v1/patrol/rounds", params={"day": tour.start.date().isoformat()}, headers=tour.headers
    )
    assert r.status_code == 200, r.text
    rows: list[dict[str, Any]] = r.json()
    return rows
