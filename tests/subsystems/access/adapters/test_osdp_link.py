"""OSDP buses end to end over TCP: reconnection after the link drops (offline / online
events), PD tamper and power reports, and the secure channel with a sealed SCBK."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import osdp  # type: ignore[import-untyped]
import pytest
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.store.models import EventRow
from anfang.subsystems.access.adapters import wiegand
from anfang.subsystems.access.models import AccessReader
from anfang.subsystems.access.service import ACCESS, AccessService
from tests.subsystems.access.adapters.test_osdp import PD_ADDR, Pd, read
from tests.subsystems.access.conftest import CARD, Site, until


def _count(platform: Platform, kind: str) -> int:
    with platform.read_session() as s:
        q = select(EventRow.id).where(EventRow.kind == kind, EventRow.source == "OSDP-1")
        return len(list(s.scalars(q)))


@pytest.fixture
async def bus(site: Site, platform: Platform) -> AsyncIterator[tuple[socket.socket, int]]:
    """An OSDP bus device whose converter is a local TCP server; yields (server, reader id)."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(15)
    port = server.getsockname()[1]
    svc = platform.capabilities.require(ACCESS)
    assert isinstance(svc, AccessService) and svc.osdp is not None
    svc.osdp.backoff_s = svc.osdp.max_backoff_s = 0.05
    dev = await site.post(
        "/devices",
        {"site_id": site.ids["site"], "code": "OSDP-1", "name": "OSDP bus", "type": "door_reader",
         "subsystem": "access", "protocol": "osdp", "address": f"tcp://127.0.0.1:{port}"},
    )  # fmt: skip
    reader = await site.post(
        "/access/readers",
        {"door_id": site.ids["door"], "device_id": dev["id"], "address": str(PD_ADDR)},
    )  # adding an OSDP reader connects its bus
    try:
        yield server, reader["id"]
    finally:
        await svc.osdp.stop()
        server.close()


async def _accept(server: socket.socket, scbk: bytes | None = None) -> tuple[Pd, socket.socket]:
    conn, _ = await asyncio.to_thread(server.accept)
    return Pd(conn, scbk), conn


async def _drop(pd: Pd, conn: socket.socket) -> None:
    await asyncio.to_thread(pd.pd.stop)
    conn.close()


def _status(tamper: int, power: int) -> dict[str, Any]:
    return {"event": osdp.Event.Status, "type": osdp.StatusReportType.Local,
            "report": bytes([tamper, power])}  # fmt: skip


async def test_reconnect_and_health_events(
    bus: tuple[socket.socket, int], platform: Platform
) -> None:
    server, _ = bus
    svc = platform.capabilities.require(ACCESS)
    assert isinstance(svc, AccessService) and svc.osdp is not None
    pd, conn = await _accept(server)
    await until(lambda: _count(platform, "access.reader_online") == 1)
    pd.pd.submit_event(_status(1, 0))
    await until(lambda: _count(platform, "access.tamper") == 1)
    pd.pd.submit_event(_status(0, 1))
    await until(lambda: _count(platform, "access.trouble") == 1)
    assert _count(platform, "access.tamper_restore") == 1
    with platform.read_session() as s:
        tamper = s.scalars(select(EventRow).where(EventRow.kind == "access.tamper")).one()
    assert tamper.payload["door"] == "U1" and tamper.payload["reader"] == str(PD_ADDR)

    await _drop(pd, conn)  # the converter's TCP link drops
    await until(lambda: _count(platform, "access.reader_offline") == 1)
    pd, conn = await _accept(server)  # anfang reconnects by itself
    await until(lambda: _count(platform, "access.reader_online") == 2)
    card = int(CARD)
    pd.pd.submit_event(read(wiegand.encode_bytes(26, card >> 16, card & 0xFFFF)))
    await until(lambda: _count(platform, "access.granted") == 1)
    await _drop(pd, conn)
    await until(lambda: _count(platform, "access.reader_offline") == 2)
    assert _count(platform, "access.reader_offline") == 2  # one per drop, not per report


async def test_secure_channel_with_sealed_scbk(
    bus: tuple[socket.socket, int], site: Site, platform: Platform
) -> None:
    server, reader_id = bus
    pd, conn = await _accept(server)  # install mode (no key) until one is set
    await until(lambda: _count(platform, "access.reader_online") == 1)
    key = bytes(range(16, 32))
    url = f"/api/v1/access/readers/{reader_id}/scbk"
    bad = await site.client.put(url, json={"scbk": "12"}, headers=site.headers)
    assert bad.status_code == 422
    r = await site.client.put(url, json={"scbk": key.hex()}, headers=site.headers)
    assert r.status_code == 200 and r.json()["secure"] is True, r.text
    assert "scbk" not in r.json()
    with platform.read_session() as s:
        row = s.get(AccessReader, reader_id)
        assert row is not None and row.scbk_sealed is not None and key not in row.scbk_sealed
    svc = platform.capabilities.require(ACCESS)
    assert isinstance(svc, AccessService) and svc.osdp is not None
    await _drop(pd, conn)
    pd, conn = await _accept(server, scbk=key)  # the endpoint reconnected the bus
    await until(lambda: "OSDP-1" in svc.osdp.panels if svc.osdp else False)
    await until(lambda: svc.osdp is not None and svc.osdp.panels["OSDP-1"].secure(PD_ADDR))
    await _drop(pd, conn)
    listed = await site.client.get("/api/v1/access/readers", headers=site.headers)
    assert next(x for x in listed.json() if x["id"] == reader_id)["secure"] is True
