"""The HTTP push transport through the real app: auth, parsing, durability, outages."""

from __future__ import annotations

import time
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from anfang.app.platform import Platform
from anfang.config import Settings
from anfang.ingest import http_push as hp
from anfang.ingest.sim_device import SimulatedHttpDevice
from anfang.store.models import Device, EventRow
from tests.conftest import make_settings
from tests.ingest.conftest import HEARTBEAT, INGEST, add_device, ingest_app, serve, until

SECRET = "0123456789abcdef0123456789abcdef"


def signed(
    body: bytes, *, code: str = "GATE-1", secret: str = SECRET, ts: int | None = None
) -> dict[str, str]:
    stamp = str(int(time.time()) if ts is None else ts)
    return {
        "Content-Type": "application/json",
        "X-Anfang-Device": code,
        "X-Anfang-Timestamp": stamp,
        "X-Anfang-Signature": hp.sign(secret, stamp, body),
    }


def events_body(*ids: str, kind: str = "access.granted") -> bytes:
    return orjson.dumps(
        {
            "events": [
                {
                    "id": i,
                    "kind": kind,
                    "occurred_at": "2026-03-01T08:00:00+08:00",
                    "payload": {"person": "李娜", "n": n},
                }
                for n, i in enumerate(ids)
            ]
        }
    )


def rejected(reason: str) -> float:
    value = REGISTRY.get_sample_value("anfang_http_push_rejected_total", {"reason": reason})
    return value or 0.0


def stored_count(platform: Platform, source: str) -> int:
    with platform.read_session() as s:
        return (
            s.scalar(select(func.count()).select_from(EventRow).where(EventRow.source == source))
            or 0
        )


async def test_events_are_stored_and_a_retransmission_once(
    platform: Platform, client: httpx.AsyncClient
) -> None:
    await add_device(platform, "GATE-1", SECRET)
    body = events_body("a-1", "a-2", "a-1")
    r = await client.post(INGEST, content=body, headers=signed(body))
    assert r.status_code == 200, r.text
    acc = r.json()["accepted"]
    assert [a["id"] for a in acc] == ["a-1", "a-2", "a-1"]
    assert [a["duplicate"] for a in acc] == [False, False, True]
    assert acc[0]["event_id"] == acc[2]["event_id"] != acc[1]["event_id"]

    again = await client.post(INGEST, content=body, headers=signed(body))
    assert again.status_code == 200
    assert [a["duplicate"] for a in again.json()["accepted"]] == [True, True, True]
    assert [a["event_id"] for a in again.json()["accepted"]] == [a["event_id"] for a in acc]
    assert stored_count(platform, "GATE-1") == 2
    with platform.read_session() as s:
        row = s.get(EventRow, acc[0]["event_id"])
        dev = s.scalars(select(Device).where(Device.code == "GATE-1")).one()
    assert row is not None and row.device_id == dev.id
    assert row.idempotency_key == "GATE-1:a-1" and row.payload == {"person": "李娜", "n": 0}
    assert row.occurred_at.isoformat() == "2026-03-01T00:00:00+00:00"


async def test_refusals_are_401_and_counted_by_reason(
    platform: Platform, client: httpx.AsyncClient
) -> None:
    await add_device(platform, "GATE-1", SECRET)
    await add_device(platform, "GATE-OFF", SECRET, enabled=False)
    body = events_body("x")
    window = platform.settings.device_push_window_seconds
    cases = {
        "unknown_device": signed(body, code="NOBODY"),
        "disabled_device": signed(body, code="GATE-OFF"),
        "bad_signature": signed(body, secret="not-the-secret"),
        "replay": signed(body, ts=int(time.time()) - window - 5),
        "missing_header": {"Content-Type": "application/json"},
    }
    for reason, headers in cases.items():
        before = rejected(reason)
        r = await client.post(INGEST, content=body, headers=headers)
        assert r.status_code == 401, (reason, r.text)
        assert r.json()["reason"] == reason
        assert rejected(reason) == before + 1
    future = signed(body, ts=int(time.time()) + window + 5)
    assert (await client.post(INGEST, content=body, headers=future)).status_code == 401
    beat = signed(b"{}", secret="wrong")
    assert (await client.post(HEARTBEAT, content=b"{}", headers=beat)).status_code == 401
    assert stored_count(platform, "GATE-1") == 0


async def test_unknown_kind_and_bad_fields_are_422_naming_the_field(
    platform: Platform, client: httpx.AsyncClient
) -> None:
    await add_device(platform, "GATE-1", SECRET)
    doc = orjson.loads(events_body("a", "b", "c", "d"))
    doc["events"][3]["kind"] = "x.y"
    body = orjson.dumps(doc)
    r = await client.post(INGEST, content=body, headers=signed(body))
    assert r.status_code == 422
    assert r.json()["detail"] == "events[3].kind: unknown event kind 'x.y'"
    assert r.json()["reason"] == "unknown_kind"
    for bad in (b"not json", b'{"events": []}'):
        r = await client.post(INGEST, content=bad, headers=signed(bad))
        assert r.status_code == 422, r.text
    assert stored_count(platform, "GATE-1") == 0  # one bad event refuses the whole request


@pytest.mark.parametrize(
    ("kind", "why"),
    [
        ("home_alarm.panic", "subsystem 'perimeter'"),  # another subsystem's alarm
        ("device.offline", "made by the platform"),  # supervision's verdict
        ("alarm.escalated", "made by the platform"),
        ("face.watchlist_hit", "made by the platform"),
        ("perimeter.comm_fail", "made by the platform"),
    ],
)
async def test_a_device_sends_only_its_own_kinds(
    platform: Platform, client: httpx.AsyncClient, kind: str, why: str
) -> None:
    """Issue 14 item 4: a perimeter detector raised a P1 home_alarm.panic."""
    await add_device(platform, "PZ-1", SECRET, subsystem="perimeter")
    before = rejected("kind_not_allowed")
    doc = orjson.loads(events_body("ok-1", "bad-1", kind="perimeter.intrusion"))
    doc["events"][1]["kind"] = kind
    body = orjson.dumps(doc)
    r = await client.post(INGEST, content=body, headers=signed(body, code="PZ-1"))
    assert r.status_code == 403, r.text
    assert r.json()["reason"] == "kind_not_allowed" and why in r.json()["detail"]
    assert r.json()["detail"].startswith("events[1].kind")
    assert rejected("kind_not_allowed") == before + 1
    assert stored_count(platform, "PZ-1") == 0  # the whole request is refused
    own = events_body("ok-2", kind="perimeter.intrusion")
    tamper = events_body("ok-3", kind="device.tamper")
    for body in (own, tamper):
        r = await client.post(INGEST, content=body, headers=signed(body, code="PZ-1"))
        assert r.status_code == 200, r.text


async def test_an_installer_narrows_a_device_to_listed_kinds(
    platform: Platform, client: httpx.AsyncClient
) -> None:
    await add_device(platform, "GATE-N", SECRET, meta={"kinds": ["access.door_forced"]})
    body = events_body("g-1")  # access.granted: its subsystem's, but not listed
    r = await client.post(INGEST, content=body, headers=signed(body, code="GATE-N"))
    assert r.status_code == 403 and "meta.kinds" in r.json()["detail"]
    body = events_body("f-1", kind="access.door_forced")
    r = await client.post(INGEST, content=body, headers=signed(body, code="GATE-N"))
    assert r.status_code == 200, r.text


async def test_oversized_body_is_413(platform: Platform, client: httpx.AsyncClient) -> None:
    await add_device(platform, "GATE-1", SECRET)
    big = b'{"events": [' + b" " * platform.settings.max_body_bytes + b"]}"
    r = await client.post(INGEST, content=big, headers=signed(big))
    assert r.status_code == 413


async def test_client_leaving_mid_body_is_a_counted_refusal(platform: Platform) -> None:
    """The ASGI app gets half a body and then the client's disconnect."""
    await add_device(platform, "GATE-1", SECRET)
    body = events_body("e-1")
    headers = signed(body) | {"Content-Length": str(len(body))}
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": INGEST,
        "raw_path": INGEST.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("anfang.test", 80),
    }
    incoming: list[dict[str, Any]] = [
        {"type": "http.request", "body": body[:10], "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    before = rejected("client_disconnected")
    await ingest_app(platform)(scope, receive, send)  # raises nothing
    assert rejected("client_disconnected") == before + 1
    assert sent[0]["status"] == 400
    assert stored_count(platform, "GATE-1") == 0


async def test_heartbeat_marks_the_device_alive(
    platform: Platform, client: httpx.AsyncClient
) -> None:
    await add_device(platform, "GATE-1", SECRET, interval=60)
    r = await client.post(HEARTBEAT, content=b"{}", headers=signed(b"{}"))
    assert r.status_code == 200 and r.json() == {"ok": True}
    with platform.read_session() as s:
        dev = s.scalars(select(Device).where(Device.code == "GATE-1")).one()
    assert dev.state == "online" and dev.last_seen_at is not None


async def test_simulated_device_over_a_real_socket(platform: Platform, live_url: str) -> None:
    await add_device(platform, "GATE-1", SECRET)
    dev = SimulatedHttpDevice(live_url, "GATE-1", SECRET, heartbeat_s=0.2, batch_max=7)
    await dev.start()
    ids = [dev.emit("access.granted", {"n": n}) for n in range(40)]
    assert await dev.drain(within_s=20)
    await until(lambda: dev.stats.heartbeats >= 2)
    await dev.stop()
    assert set(dev.acked) == set(ids) and dev.stats.duplicates == 0
    assert stored_count(platform, "GATE-1") == 40
    with platform.read_session() as s:
        keys = set(s.scalars(select(EventRow.idempotency_key).where(EventRow.source == "GATE-1")))
    assert keys == {f"GATE-1:{i}" for i in ids}


@pytest.fixture
def outage_settings(tmp_path: Path) -> Settings:
    """The database in its own directory, so the test can take that storage away."""
    (tmp_path / "db").mkdir()
    return make_settings(tmp_path, database_url=f"sqlite:///{tmp_path / 'db' / 'anfang.db'}")


async def test_storage_outage_answers_503_and_queued_events_arrive_once(
    outage_settings: Settings, tmp_path: Path
) -> None:
    platform = Platform(outage_settings)
    await platform.start()
    url, server, serving = await serve(ingest_app(platform))
    dev = SimulatedHttpDevice(url, "GATE-1", SECRET, heartbeat_s=None, backoff_max_s=0.3)
    try:
        await add_device(platform, "GATE-1", SECRET)
        await dev.start()
        first = [dev.emit("access.granted", {"n": n}) for n in range(5)]
        assert await dev.drain(within_s=10)

        # The disk goes away: the directory vanishes and open connections are dropped.
        (tmp_path / "db").rename(tmp_path / "db-away")
        platform.engine.dispose()
        platform.write_engine.dispose()
        later = [dev.emit("access.denied", {"n": n}) for n in range(12)]
        async with httpx.AsyncClient() as raw:
            body = events_body("raw-1")
            r = await raw.post(url + INGEST, content=body, headers=signed(body))
        assert r.status_code == 503, r.text
        assert r.headers["Retry-After"].isdigit()
        assert r.json()["reason"] == "storage_unavailable"
        await until(lambda: dev.stats.retries >= 3)
        assert dev.pending == 12 and not any(i in dev.acked for i in later)

        (tmp_path / "db-away").rename(tmp_path / "db")
        assert await dev.drain(within_s=30)
        assert set(dev.acked) == set(first) | set(later)
        assert stored_count(platform, "GATE-1") == 17
        with platform.read_session() as s:
            kinds = list(s.scalars(select(EventRow.kind).where(EventRow.source == "GATE-1")))
        assert kinds.count("access.denied") == 12
    finally:
        await dev.stop(flush_timeout=0)
        server.should_exit = True
        await serving
        await platform.stop()
