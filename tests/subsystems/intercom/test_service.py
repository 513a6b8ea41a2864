"""Intercom calls over real SIP/UDP between simulated devices and anfang's service."""

from __future__ import annotations

import asyncio
import socket

import httpx
from prometheus_client import Counter
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.store.models import AuditEntry, EventRow
from anfang.subsystems.intercom.auth import AUTH_FAILURES
from anfang.subsystems.intercom.models import IntercomCall
from anfang.subsystems.intercom.service import INTERCOM, IntercomService
from anfang.subsystems.intercom.sim_devices import (
    SimulatedDoorStation,
    SimulatedMonitor,
    demo_snapshot,
)
from anfang.wire.sip_udp import REJECTED, SipEndpoint
from tests.conftest import auth, login
from tests.subsystems.intercom.conftest import SECRETS, seed_unit, wait_for


def total(counter: Counter) -> float:
    """A counter's value over all its labels."""
    return sum(s.value for m in counter.collect() for s in m.samples if s.name.endswith("_total"))


def calls(platform: Platform) -> list[IntercomCall]:
    with platform.read_session() as s:
        return list(s.scalars(select(IntercomCall).order_by(IntercomCall.started_at)))


def kinds(platform: Platform) -> list[str]:
    with platform.read_session() as s:
        return list(
            s.scalars(
                select(EventRow.kind).where(EventRow.kind.like("intercom.%")).order_by(EventRow.id)
            )
        )


async def devices(platform: Platform, choice: str) -> tuple[SimulatedDoorStation, SimulatedMonitor]:
    unit = await seed_unit(platform)
    door = SimulatedDoorStation("DS-B01-1", unit.server, secret=SECRETS["DS-B01-1"])
    mon = SimulatedMonitor(
        unit.monitor, unit.server, lambda: choice, ring_s=0.05, secret=SECRETS["IM-301"]
    )
    await mon.start()
    await door.start()
    assert door.registered and mon.registered
    return door, mon


async def test_visitor_is_let_in_and_the_call_is_logged_with_snapshot(
    platform: Platform, app_client: httpx.AsyncClient, admin_token: str
) -> None:
    door, mon = await devices(platform, "unlock")
    jpeg = await asyncio.to_thread(demo_snapshot)
    try:
        result = await door.call("301", jpeg, talk_s=3)
    finally:
        await door.stop()
        await mon.stop()
    assert result.status == 200 and result.rang and result.opened and result.ended_by_peer
    assert door.opened == 1
    await wait_for(lambda: [c.state for c in calls(platform)] == ["ended"])
    (row,) = calls(platform)
    assert row.end_reason == "unlocked" and row.unlocked_by == "monitor:IM-301"
    assert row.answered_at and row.unlocked_at and row.ended_at and row.monitor == "IM-301"
    assert kinds(platform) == ["intercom.call", "intercom.unlock"]

    listed = (await app_client.get("/api/v1/intercom/calls", headers=auth(admin_token))).json()
    assert listed[0]["id"] == row.id and listed[0]["has_snapshot"] is True
    r = await app_client.get(
        f"/api/v1/intercom/calls/{row.id}/snapshot.jpg", headers=auth(admin_token)
    )
    assert r.status_code == 200 and r.content == jpeg
    with platform.read_session() as s:
        assert s.scalar(select(AuditEntry.seq).where(AuditEntry.action == "intercom.snapshot.view"))


async def test_household_declines(platform: Platform) -> None:
    door, mon = await devices(platform, "decline")
    try:
        result = await door.call("301")
    finally:
        await door.stop()
        await mon.stop()
    assert result.status == 603 and not result.opened
    await wait_for(
        lambda: [(c.state, c.end_reason) for c in calls(platform)] == [("ended", "declined")]
    )
    assert kinds(platform) == ["intercom.call", "intercom.denied"]


async def test_household_answers_and_refuses(platform: Platform) -> None:
    door, mon = await devices(platform, "deny")
    try:
        result = await door.call("301", talk_s=3)
    finally:
        await door.stop()
        await mon.stop()
    assert result.status == 200 and not result.opened and door.opened == 0
    await wait_for(
        lambda: [(c.state, c.end_reason) for c in calls(platform)] == [("ended", "denied")]
    )
    assert kinds(platform) == ["intercom.call", "intercom.denied"]


async def test_unanswered_call_is_missed_and_the_monitor_cancelled(platform: Platform) -> None:
    door, mon = await devices(platform, "ignore")
    try:
        result = await door.call("301")
        await wait_for(lambda: mon.cancelled == 1)
    finally:
        await door.stop()
        await mon.stop()
    assert result.status == 480
    await wait_for(
        lambda: [(c.state, c.end_reason) for c in calls(platform)] == [("missed", "timeout")]
    )
    # Read at once: the state and the event are committed together, and a pooled read
    # connection never keeps an older snapshot (tests/store/test_base.py).
    assert kinds(platform) == ["intercom.call", "intercom.missed"]


async def test_no_monitor_unknown_room_and_gate_dialling(platform: Platform) -> None:
    door, mon = await devices(platform, "unlock")
    gate = SimulatedDoorStation("DS-GATE", door.server)
    await gate.start()
    try:
        assert (await door.call("401")).status == 480  # a home without a monitor
        assert (await door.call("999")).status == 404
        assert (await gate.call("301")).status == 404  # a gate names building-unit-room
        assert (await gate.call("B01-1-301", talk_s=3)).opened
    finally:
        for d in (door, mon, gate):
            await d.stop()
    await wait_for(lambda: len(calls(platform)) == 2)
    assert next((c.door_station, c.end_reason) for c in calls(platform)) == (
        "DS-B01-1",
        "no_monitor",
    )


async def test_unknown_devices_are_refused_and_garbage_ignored(platform: Platform) -> None:
    unit = await seed_unit(platform)
    stranger = SimulatedDoorStation("DS-NOPE", unit.server)
    await stranger.endpoint.open("127.0.0.1", 0)
    assert await stranger.register() == 403
    unregistered = SimulatedDoorStation("DS-B01-1", unit.server, secret="wrong secret")
    await unregistered.endpoint.open("127.0.0.1", 0)
    failures = total(AUTH_FAILURES)
    assert await unregistered.register() == 403  # a wrong secret
    assert total(AUTH_FAILURES) == failures + 1
    assert (await unregistered.call("301")).status == 403
    before = total(REJECTED)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for junk in (
            b"\x00\xff" * 50,
            b"INVITE sip:x SIP/2.0\r\n\r\n",
            b"SIP/2.0 200 OK\r\nVia: x\r\n",
        ):
            sock.sendto(junk, unit.server)
    await wait_for(lambda: total(REJECTED) >= before + 3)
    mon = SimulatedMonitor(
        unit.monitor, unit.server, lambda: "unlock", ring_s=0.05, secret=SECRETS["IM-301"]
    )
    door = SimulatedDoorStation("DS-B01-1", unit.server, secret=SECRETS["DS-B01-1"])
    await mon.start()
    await door.start()
    try:
        assert (await door.call("301", talk_s=3)).opened  # still serving
    finally:
        for d in (stranger, unregistered, mon, door):
            await d.stop()


async def test_operator_remote_unlock_is_audited(
    platform: Platform, app_client: httpx.AsyncClient, admin_token: str
) -> None:
    door, mon = await devices(platform, "unlock")
    h = auth(admin_token)
    try:
        r = await app_client.post(
            "/api/v1/intercom/door-stations/DS-B01-1/unlock",
            json={"reason": "快递员, 住户电话同意"},
            headers=h,
        )
        assert r.status_code == 204, r.text
        assert door.opened == 1
        r = await app_client.post(
            "/api/v1/intercom/door-stations/DS-GATE/unlock", json={"reason": "test"}, headers=h
        )
        assert r.status_code == 409 and "not registered" in r.text
        r = await app_client.post(
            "/api/v1/intercom/door-stations/DS-B01-1/unlock", json={}, headers=h
        )
        assert r.status_code == 422
        regs = (await app_client.get("/api/v1/intercom/registrations", headers=h)).json()
        assert {x["code"] for x in regs} == {"DS-B01-1", "IM-301"}
        r = await app_client.post(
            "/api/v1/users",
            json={"username": "audit1", "password": "auditor-pass-1", "role": "auditor"},
            headers=h,
        )
        other = auth(await login(app_client, "audit1", "auditor-pass-1"))
        assert (await app_client.get("/api/v1/intercom/calls", headers=other)).status_code == 403
        r = await app_client.post(
            "/api/v1/intercom/door-stations/DS-B01-1/unlock", json={"reason": "x1"}, headers=other
        )
        assert r.status_code == 403 and door.opened == 1
    finally:
        await door.stop()
        await mon.stop()
    with platform.read_session() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "intercom.remote_unlock"))
        assert entry is not None and entry.detail["confirmed"] is True
        assert entry.actor == "user:admin" and entry.target == "device:DS-B01-1"
    assert kinds(platform) == ["intercom.unlock"]


async def test_operator_unlocks_inside_an_answered_call(
    platform: Platform, app_client: httpx.AsyncClient, admin_token: str
) -> None:
    door, mon = await devices(platform, "hold")
    calling = asyncio.create_task(door.call("301", talk_s=2))
    try:
        await wait_for(lambda: [c.state for c in calls(platform)] == ["answered"])
        call_id = calls(platform)[0].id
        r = await app_client.post(
            "/api/v1/intercom/door-stations/DS-B01-1/unlock",
            json={"reason": "住户电话请求", "call_id": call_id},
            headers=auth(admin_token),
        )
        assert r.status_code == 204, r.text
        result = await calling
    finally:
        await door.stop()
        await mon.stop()
    assert result.status == 200 and result.opened and door.opened == 1
    await wait_for(lambda: [c.state for c in calls(platform)] == ["ended"])
    (row,) = calls(platform)
    assert (row.end_reason, row.unlocked_by) == ("unlocked", "user:admin")


async def test_an_unlock_from_another_address_is_refused(platform: Platform) -> None:
    door, mon = await devices(platform, "hold")
    calling = asyncio.create_task(door.call("301", talk_s=1.5))
    intruder = SipEndpoint(None)
    await intruder.open("127.0.0.1", 0)
    try:
        await wait_for(lambda: [c.state for c in calls(platform)] == ["answered"])
        svc = platform.capabilities.require(INTERCOM)
        assert isinstance(svc, IntercomService)
        b_leg = next(c.b_call_id for c in svc.calls.values())  # as if sniffed on the LAN
        resp = await intruder.request(
            door.server,
            "MESSAGE",
            "sip:anfang@anfang",
            [
                ("From", "<sip:IM-301@anfang>;tag=x"),
                ("To", "<sip:DS-B01-1@anfang>;tag=y"),
                ("Call-ID", b_leg),
                ("CSeq", "5 MESSAGE"),
                ("Content-Type", "text/plain"),
            ],
            b"unlock",
        )
        assert resp.status == 403
        result = await calling
    finally:
        await intruder.close()
        await door.stop()
        await mon.stop()
    assert result.status == 200 and not result.opened and door.opened == 0
