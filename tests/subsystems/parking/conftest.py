"""A site with lot P1 (capacity 10), an entry camera CAM-IN opening barrier BAR-1 (an access
door of kind barrier) and an exit camera CAM-OUT, a resident's car 苏E12345, a stolen car
沪A66666 on the black list, all through the API; and a camera that sends signed reads."""

from __future__ import annotations

import base64
import itertools
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest

from anfang.app.platform import Platform
from anfang.ingest import http_push as hp
from tests.conftest import auth
from tests.ingest.conftest import add_device

SECRET = "0123456789abcdef0123456789abcdef"
_ids = itertools.count(1)


@dataclass
class Park:
    """What the fixture built."""

    client: httpx.AsyncClient
    headers: dict[str, str]
    lot_id: int
    lane_in: int
    lane_out: int

    async def read(
        self,
        plate: str | None,
        *,
        lane: str = "CAM-IN",
        image: bytes | None = None,
        ident: str | None = None,
        at: datetime | None = None,
        **extra: Any,
    ) -> httpx.Response:
        """Send one signed read as camera ``lane``."""
        body_obj: dict[str, Any] = {
            "id": ident or f"r{next(_ids)}",
            "plate": plate,
            "occurred_at": (at or datetime.now(UTC)).isoformat(),
            **extra,
        }
        if image is not None:
            body_obj["image"] = base64.b64encode(image).decode()
        body = orjson.dumps(body_obj)
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            hp.HEADER_DEVICE: lane,
            hp.HEADER_TIMESTAMP: stamp,
            hp.HEADER_SIGNATURE: hp.sign(SECRET, stamp, body),
        }
        return await self.client.post("/api/v1/parking/reads", content=body, headers=headers)


async def post(c: httpx.AsyncClient, h: dict[str, str], path: str, body: Any) -> Any:
    """POST that must succeed; the answer."""
    r = await c.post(f"/api/v1{path}", json=body, headers=h)
    assert r.status_code in (200, 201), r.text
    return r.json()


@pytest.fixture
async def park(platform: Platform, app_client: httpx.AsyncClient, admin_token: str) -> Park:
    """See the module docstring."""
    for code in ("CAM-IN", "CAM-OUT"):
        await add_device(platform, code, SECRET, subsystem="parking")
    await add_device(platform, "BAR-1", SECRET, subsystem="access")
    c, h = app_client, auth(admin_token)
    devices = {d["code"]: d["id"] for d in (await c.get("/api/v1/devices", headers=h)).json()}
    door = await post(
        c,
        h,
        "/access/doors",
        {"code": "BAR-1", "name": "地库入口道闸", "kind": "barrier", "device_id": devices["BAR-1"]},
    )
    await post(
        c,
        h,
        "/access/readers",
        {
            "door_id": door["id"],
            "device_id": devices["BAR-1"],
            "address": "in",
            "direction": "entry",
        },
    )
    lot = await post(c, h, "/parking/lots", {"code": "P1", "name": "地库", "capacity": 10})
    lane_in = await post(
        c,
        h,
        "/parking/lanes",
        {"device_code": "CAM-IN", "lot_id": lot["id"], "direction": "in", "barrier": "BAR-1"},
    )
    lane_out = await post(
        c, h, "/parking/lanes", {"device_code": "CAM-OUT", "lot_id": lot["id"], "direction": "out"}
    )
    await post(c, h, "/parking/vehicles", {"plate": "苏E12345", "owner": "王芳"})
    await post(
        c,
        h,
        "/parking/vehicles",
        {"plate": "沪A66666", "list": "black", "reason": "公安通报被盗车辆"},
    )
    return Park(c, h, lot["id"], lane_in["id"], lane_out["id"])


def soon(minutes: float) -> datetime:
    """A time ``minutes`` from now."""
    return datetime.now(UTC) + timedelta(minutes=minutes)
