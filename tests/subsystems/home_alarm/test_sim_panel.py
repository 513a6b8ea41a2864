"""Simulated SIA DC-09 panels against the platform's real receiver over TCP."""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.store.models import EventRow
from anfang.subsystems.home_alarm import service
from anfang.subsystems.home_alarm.adapters.sia_dc09 import SiaEvent
from anfang.subsystems.home_alarm.component import SIA_RECEIVER
from anfang.subsystems.home_alarm.models import AccountCreate
from anfang.subsystems.home_alarm.sim import PanelFleet, demo_accounts, ensure_accounts
from anfang.subsystems.home_alarm.sim_panel import SimulatedSiaPanel, demo_key, play_household


def _port(platform: Platform) -> int:
    assert platform.capabilities.require(SIA_RECEIVER) is not None
    return platform.capabilities.require(SIA_RECEIVER).tcp_port


def _stored(platform: Platform, source: str) -> list[EventRow]:
    with platform.read_session() as s:
        return list(s.scalars(select(EventRow).where(EventRow.source == source)))


async def _account(platform: Platform, account: str, key: bytes | None = None) -> None:
    data = AccountCreate(account=account, key=key.hex() if key else None)
    await service.create_account(platform, "test", data)


async def test_plain_sia_panel_is_acknowledged_and_stored(platform: Platform) -> None:
    await _account(platform, "1234")
    panel = SimulatedSiaPanel("127.0.0.1", _port(platform), "1234", None, contact_id=False)
    try:
        assert await panel.send([SiaEvent("BA", zone="3")]) == "ACK"
        assert await panel.send([SiaEvent("BR", zone="3")]) == "ACK"
    finally:
        await panel.close()
    rows = sorted(_stored(platform, "SIA-1234"), key=lambda r: r.payload["sequence"])
    assert [(r.kind, r.payload["code"], r.payload["sequence"]) for r in rows] == [
        ("home_alarm.burglary", "BA", 1),
        ("home_alarm.restore", "BR", 2),
    ]
    assert rows[0].payload["account"] == "1234" and not rows[0].payload["encrypted"]
    assert panel.stats.acked == 2 and panel.stats.retries == 0


async def test_aes_contact_id_panel_is_acknowledged_and_stored(platform: Platform) -> None:
    key = demo_key("5678")
    await _account(platform, "5678", key)
    panel = SimulatedSiaPanel("127.0.0.1", _port(platform), "5678", key, contact_id=True)
    try:
        events = [SiaEvent("120", 1, "009", "01"), SiaEvent("120", 3, "009", "01")]
        assert await panel.send(events) == "ACK"
    finally:
        await panel.close()
    rows = sorted(_stored(platform, "SIA-5678"), key=lambda r: r.payload["sequence"])
    assert [r.kind for r in rows] == ["home_alarm.panic", "home_alarm.restore"]
    assert all(r.payload["encrypted"] and r.payload["id_token"] == "ADM-CID" for r in rows)


async def test_unknown_account_gets_duh_without_retrying(platform: Platform) -> None:
    panel = SimulatedSiaPanel("127.0.0.1", _port(platform), "ABC", None, contact_id=False)
    try:
        assert await panel.send([SiaEvent("RP")]) == "DUH"
    finally:
        await panel.close()
    assert panel.stats.refused == 1 and panel.stats.retries == 0


@contextlib.asynccontextmanager
async def _ack_swallowing_proxy(upstream: int) -> AsyncIterator[tuple[int, list[bytes]]]:
    """A TCP proxy to the receiver that drops the receiver's first reply."""
    swallowed: list[bytes] = []

    async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter, drop: bool) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while True:
                chunk = await src.readuntil(b"\r")
                if drop and not swallowed:
                    swallowed.append(chunk)
                    continue
                dst.write(chunk)
                await dst.drain()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", upstream)
        pumps = {
            asyncio.create_task(pump(reader, up_writer, False)),
            asyncio.create_task(pump(up_reader, writer, True)),
        }
        try:
            # Either side hanging up ends the connection for both.
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in pumps:
                task.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)
            up_writer.close()
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1], swallowed
    finally:
        server.close()
        await server.wait_closed()


async def test_lost_ack_is_retransmitted_and_stored_once(platform: Platform) -> None:
    key = demo_key("4321")
    await _account(platform, "4321", key)
    async with _ack_swallowing_proxy(_port(platform)) as (port, swallowed):
        panel = SimulatedSiaPanel("127.0.0.1", port, "4321", key, contact_id=False)
        panel.ack_timeout_s = 0.5
        try:
            assert await panel.send([SiaEvent("FA", zone="5")]) == "ACK"
        finally:
            await panel.close()
    assert len(swallowed) == 1 and b"ACK" in swallowed[0]
    assert panel.stats.retries == 1 and panel.stats.acked == 1
    rows = _stored(platform, "SIA-4321")
    assert [r.kind for r in rows] == ["home_alarm.fire"]


async def test_panel_gives_up_after_its_attempts() -> None:
    with socket.create_server(("127.0.0.1", 0)) as s:
        port = s.getsockname()[1]
    panel = SimulatedSiaPanel(
        "127.0.0.1", port, "1234", None, contact_id=False, ack_timeout_s=0.2, max_attempts=2
    )
    assert await panel.send([SiaEvent("RP")]) == "TIMEOUT"
    assert panel.stats.lost == 1 and panel.stats.retries == 1
    assert panel.sequence == 2  # the next message takes the next number


async def _wait_for(platform: Platform, source: str, kinds: set[str]) -> set[str]:
    async with asyncio.timeout(20):
        while True:
            seen = {r.kind for r in _stored(platform, source)}
            if kinds <= seen:
                return seen
            await asyncio.sleep(0.05)


async def test_household_life_sends_tests_and_arming(platform: Platform) -> None:
    await _account(platform, "2222")
    panel = SimulatedSiaPanel("127.0.0.1", _port(platform), "2222", None, contact_id=True)
    life = asyncio.create_task(
        play_household(panel, random.Random(1), test_interval_s=0.1, mean_gap_s=0.02)
    )
    try:
        wanted = {"home_alarm.test", "home_alarm.armed", "home_alarm.disarmed"}
        await _wait_for(platform, "SIA-2222", wanted)
    finally:
        life.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await life
    assert panel.stats.lost == 0 and panel.stats.refused == 0


async def test_demo_fleet_creates_accounts_once_and_reports(platform: Platform) -> None:
    plans = demo_accounts(homes=3, perimeter=1)
    assert await ensure_accounts(platform, plans) == 4
    assert await ensure_accounts(platform, plans) == 0
    with platform.read_session() as s:
        kinds = {a.account: a.kind for a in service.list_accounts(s)}
    assert kinds == {"1001": "home", "1002": "home", "1003": "home", "9001": "perimeter"}
    fleet = PanelFleet("127.0.0.1", _port(platform), plans, test_interval_s=60)
    fleet.start()
    try:
        for plan in plans:
            await _wait_for(platform, f"SIA-{plan.account}", {"home_alarm.test"})
    finally:
        await fleet.stop()
    assert fleet.totals().acked >= 4


@pytest.mark.parametrize("contact_id", [False, True])
async def test_periodic_reports_keep_their_codes(platform: Platform, contact_id: bool) -> None:
    await _account(platform, "3333")
    panel = SimulatedSiaPanel("127.0.0.1", _port(platform), "3333", None, contact_id=contact_id)
    life = asyncio.create_task(
        play_household(panel, random.Random(2), test_interval_s=0.05, mean_gap_s=3600)
    )
    try:
        await _wait_for(platform, "SIA-3333", {"home_alarm.test"})
    finally:
        life.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await life
    codes = {r.payload["code"] for r in _stored(platform, "SIA-3333")}
    assert codes == ({"602"} if contact_id else {"RP"})


async def test_demo_perimeter_hosts_map_their_zones_to_the_fence(platform: Platform) -> None:
    from anfang.core.writer import WriteContext
    from anfang.store.models import Site, Zone
    from anfang.subsystems.home_alarm import partitions

    def fence(ctx: WriteContext) -> list[int]:
        site = Site(code="S", name="小区")
        ctx.session.add(site)
        ctx.session.flush()
        zones = [
            Zone(site_id=site.id, code=f"PZ{i}", name=f"周界{i}", geometry=[[0, 0], [9, 0]])
            for i in (1, 2)
        ]
        ctx.session.add_all(zones)
        ctx.session.flush()
        return [z.id for z in zones]

    ids = await platform.writer.run(fence)
    assert await ensure_accounts(platform, demo_accounts(homes=1, perimeter=1)) == 2
    with platform.read_session() as s:
        zones = partitions.list_zones(s, "9001")
    assert [z.zone for z in zones] == [str(i) for i in range(1, 9)]
    assert [z.site_zone_id for z in zones] == [ids[0], ids[1]] * 4
