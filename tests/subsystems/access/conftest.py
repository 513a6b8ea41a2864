"""Access fixtures: a site with one gate (entry/exit readers on one terminal), a unit door,
a staff holder with a card, a PIN and a face, and a signed-request helper."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import pytest

from anfang.app.platform import Platform
from anfang.ingest.http_push import sign
from tests.conftest import auth

SECRET = "terminal-secret-0123456789"
CARD = "123456"
PIN = "2468"
PERSON = "P-0001"


@dataclass
class Site:
    """What the fixture made, by name."""

    client: httpx.AsyncClient
    headers: dict[str, str]
    ids: dict[str, int] = field(default_factory=dict)

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        r = await self.client.post(f"/api/v1{path}", json=body, headers=self.headers)
        assert r.status_code in (200, 201), r.text
        out: dict[str, Any] = r.json()
        return out


async def until(pred: Callable[[], bool], timeout_s: float = 10.0, step_s: float = 0.05) -> None:
    """Wait until ``pred()`` holds (checked every ``step_s``), failing after ``timeout_s``."""
    async with asyncio.timeout(timeout_s):
        for _ in itertools.count():
            if pred():
                return
            await asyncio.sleep(step_s)


async def signed(
    client: httpx.AsyncClient,
    path: str,
    body: bytes,
    *,
    device: str = "TERM-GATE",
    secret: str = SECRET,
    content_type: str = "application/json",
    ts: int | None = None,
) -> httpx.Response:
    """POST ``body`` to a terminal endpoint, signed like a terminal signs it."""
    stamp = str(int(time.time()) if ts is None else ts)
    headers = {
        "X-Anfang-Device": device,
        "X-Anfang-Timestamp": stamp,
        "X-Anfang-Signature": sign(secret, stamp, body),
        "Content-Type": content_type,
    }
    return await client.post(f"/api/v1/access/terminal/{path}", content=body, headers=headers)


async def present(client: httpx.AsyncClient, **cred: Any) -> dict[str, Any]:
    """Present a credential at a reader of the gate terminal; returns the 200 answer."""
    r = await signed(client, "credential", orjson.dumps(cred))
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def multipart(image: bytes, **fields: str) -> tuple[bytes, str]:
    """A multipart/form-data body with an ``image`` part and text fields."""
    boundary = "anfangboundary7MA4YWxk"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="c.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode()
        + image
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), (
        f"multipart/form-data; boundary={boundary}"
    )


@pytest.fixture
async def site(platform: Platform, app_client: httpx.AsyncClient, admin_token: str) -> Site:
    """The access configuration every terminal test starts from."""
    s = Site(app_client, auth(admin_token))
    s.ids["site"] = (await s.post("/sites", {"code": "t", "name": "测试小区"}))["id"]
    for code, typ in (("TERM-GATE", "turnstile"), ("TERM-UNIT", "door_reader")):
        dev = await s.post(
            "/devices",
            {"site_id": s.ids["site"], "code": code, "name": code, "type": typ,
             "subsystem": "access", "secret": SECRET},
        )  # fmt: skip
        s.ids[code] = dev["id"]
    gate = await s.post(
        "/access/doors",
        {"code": "GATE-S", "name": "南门闸机", "kind": "turnstile", "anti_passback": "hard"},
    )
    door = await s.post("/access/doors", {"code": "U1", "name": "1号楼1单元", "kind": "door",
                                          "held_open_s": 3})  # fmt: skip
    s.ids["gate"], s.ids["door"] = gate["id"], door["id"]
    for addr, direction in (("in", "entry"), ("out", "exit")):
        await s.post(
            "/access/readers",
            {"door_id": gate["id"], "device_id": s.ids["TERM-GATE"], "address": addr,
             "direction": direction},
        )  # fmt: skip
    await s.post("/access/readers", {"door_id": door["id"], "device_id": s.ids["TERM-UNIT"]})
    group = await s.post("/access/groups", {"code": "staff", "name": "物业员工"})
    s.ids["group"] = group["id"]
    for d in ("gate", "door"):
        await s.post("/access/rules", {"group_id": group["id"], "door_id": s.ids[d]})
    holder = await s.post(
        "/access/holders", {"kind": "staff", "name": "张保安", "group_ids": [group["id"]]}
    )
    s.ids["holder"] = holder["id"]
    for kind, value in (("card", CARD), ("pin", PIN), ("face", PERSON)):
        cred = await s.post(
            "/access/credentials", {"holder_id": holder["id"], "kind": kind, "value": value}
        )
        s.ids[f"cred_{kind}"] = cred["id"]
    return s
