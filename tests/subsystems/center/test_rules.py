"""Linkage rules kept and run: refusals with codes, versions, problems after a deletion,
a dry run over the last day, and the engine acting (an alarm raised, a snapshot asked of
video, a signed webhook delivered after a failed attempt)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.core.events import Event
from anfang.core.linkage import LinkageRequest
from anfang.core.writer import WriteContext
from anfang.store.models import Alarm, Device, Site
from anfang.subsystems.center import rules
from anfang.subsystems.center.component import RuleEngine
from anfang.subsystems.center.schemas import RuleIn
from tests.ingest.conftest import until

SECRET = "webhook-key-0123456789"


def _site(ctx: WriteContext) -> None:
    site = Site(code="S", name="小区")
    ctx.session.add(site)
    ctx.session.flush()
    for code, kind in (("PZ-1", "ir_beam"), ("CAM-1", "camera")):
        ctx.session.add(Device(site_id=site.id, code=code, name=code, type=kind, subsystem="video"))
    ctx.mark_changed("devices")


def _engine(platform: Platform) -> RuleEngine:
    return next(h for h in platform.writer.hooks if isinstance(h, RuleEngine))


async def test_refusals_versions_and_problems(platform: Platform) -> None:
    await platform.writer.run(_site)
    box = platform.secrets

    async def refused(**kw: Any) -> str:
        data = {"name": "r", "kinds": ["perimeter.intrusion"], "actions": [{"type": "clip"}], **kw}
        with pytest.raises(rules.RuleRefused) as bad:
            await rules.save(platform, box, "user:a", RuleIn.model_validate(data))
        return str(bad.value.code)

    assert await refused(kinds=["perimeter.nothing"]) == "unknown_kind"
    assert await refused(device_codes=["NOPE"]) == "unknown_device"
    assert await refused(zone_ids=[999]) == "unknown_zone"
    assert await refused(actions=[{"type": "open_door"}]) == "action_param"
    ok = RuleIn(name="开门", kinds=["access.remote_open"], actions=[{"type": "snapshot"}])
    first = await rules.save(platform, box, "user:a", ok)
    loop = {"actions": [{"type": "open_door", "door": "PZ-1"}], "kinds": ["access.remote_open"]}
    assert await refused(**loop) == "rule_loop"

    data = RuleIn.model_validate(
        {
            "name": "西墙",
            "kinds": ["perimeter.*"],
            "device_codes": ["PZ-1"],
            "actions": [
                {"type": "snapshot", "cameras": ["CAM-1"]},
                {"type": "ptz_preset", "camera": "CAM-1", "preset": "2"},
                {"type": "lock_door", "door": "PZ-1"},
            ],
        }
    )
    row = await rules.save(platform, box, "user:a", data)
    await rules.save(platform, box, "user:b", data, row.id)

    def drop(ctx: WriteContext) -> None:
        dev = ctx.session.scalar(select(Device).where(Device.code == "CAM-1"))
        ctx.session.delete(dev)

    await platform.writer.run(drop)
    with platform.read_session() as s:
        out = {r.name: r for r in rules.listing(s, platform.linkage.handles)}
        assert [v["version"] for v in rules.versions(s, row.id)] == [2, 1]
    west = out["西墙"]
    assert west.version == 2 and west.updated_by == "user:b"
    codes = {(p["code"], p["value"]) for p in west.problems}
    assert ("deleted_device", "CAM-1") in codes and ("unhandled_action", "lock_door") in codes
    assert ("unhandled_action", "ptz_preset") not in codes  # video turns cameras to presets
    assert out["开门"].id == first.id and not out["开门"].notify_secret_set


async def test_the_engine_raises_an_alarm_and_asks_for_a_snapshot(platform: Platform) -> None:
    await platform.writer.run(_site)
    asked: list[LinkageRequest] = []

    async def snap(req: LinkageRequest) -> list[dict[str, Any]]:
        asked.append(req)
        return []

    platform.linkage.unregister("snapshot")  # video's own handler: no cameras here
    platform.linkage.register("snapshot", snap)
    data = RuleIn.model_validate(
        {
            "name": "西墙入侵",
            "kinds": ["perimeter.intrusion"],
            "device_codes": ["PZ-1"],
            "actions": [
                {"type": "raise_alarm", "title": "西墙有人"},
                {"type": "snapshot", "cameras": ["CAM-1"]},
            ],
        }
    )
    await rules.save(platform, platform.secrets, "user:a", data)
    await platform.pipeline.submit(Event.create("perimeter.intrusion", "PZ-2"))  # not this device
    await platform.pipeline.submit(Event.create("perimeter.intrusion", "PZ-1"))

    def raised() -> bool:
        with platform.read_session() as s:
            return s.scalar(select(Alarm).where(Alarm.kind == "center.rule_alarm")) is not None

    await until(lambda: raised() and bool(asked), 5.0)
    assert asked[0].cameras == ("CAM-1",) and len(asked) == 1
    with platform.read_session() as s:
        alarm = s.scalar(select(Alarm).where(Alarm.kind == "center.rule_alarm"))
        dry = rules.dry_run(s, platform, data)
    assert alarm is not None and alarm.title.startswith("联动规则告警")
    assert dry.matched == 1 and dry.events_checked == 2


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    """A webhook receiver on 127.0.0.1 that fails the first request with 503."""
    got: list[tuple[dict[str, str], bytes]] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        headers = {
            k.lower(): v.strip()
            for k, _, v in (line.partition(":") for line in head.split("\r\n")[1:] if line)
        }
        body = await reader.readexactly(int(headers["content-length"]))
        got.append((headers, body))
        status = "503 Busy" if len(got) == 1 else "200 OK"
        writer.write(
            f"HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode()
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/hook", got
    finally:
        server.close()


async def test_a_signed_webhook_is_retried_until_delivered(
    platform: Platform, receiver: tuple[str, list[tuple[dict[str, str], bytes]]]
) -> None:
    url, got = receiver
    await platform.writer.run(_site)
    data = RuleIn.model_validate(
        {
            "name": "通知",
            "kinds": ["perimeter.tamper"],
            "actions": [{"type": "notify", "url": url}],
            "notify_secret": SECRET,
        }
    )
    await rules.save(platform, platform.secrets, "user:a", data)
    await platform.pipeline.submit(Event.create("perimeter.tamper", "PZ-1"))
    await until(lambda: len(got) >= 2, 10.0)
    (h1, b1), (h2, b2) = got[:2]
    assert b1 == b2 and h1["x-anfang-delivery"] == h2["x-anfang-delivery"]
    sig = hmac.new(SECRET.encode(), h2["x-anfang-timestamp"].encode() + b"\n" + b2, hashlib.sha256)
    assert h2["x-anfang-signature"] == sig.hexdigest()
    body = json.loads(b2)
    assert body["rule"]["name"] == "通知" and body["event"]["kind"] == "perimeter.tamper"
    with platform.read_session() as s:
        assert rules.listing(s, platform.linkage.handles)[0].notify_secret_set
    assert _engine(platform).secrets  # the key was opened for the engine, never returned
