"""OSDP: a simulated reader (libosdp in PD mode) on a TCP link to anfang's control panel."""

from __future__ import annotations

import asyncio
import queue
import socket
from collections.abc import AsyncIterator
from typing import Any

import osdp  # type: ignore[import-untyped]
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.store.models import EventRow
from anfang.subsystems.access.adapters import wiegand
from anfang.subsystems.access.adapters.osdp import (
    Keypad,
    OsdpPanel,
    OsdpReadError,
    SocketChannel,
    credential_of,
)
from anfang.subsystems.access.adapters.osdp_link import make_decide
from anfang.subsystems.access.service import ACCESS, AccessService
from tests.subsystems.access.conftest import CARD, PIN, Site, until

PD_ADDR = 101


def test_credential_of_wiegand_and_ascii() -> None:
    data = wiegand.encode_bytes(26, 1, 2)
    ev = {
        "event": osdp.Event.CardRead,
        "format": osdp.CardFormat.Wiegand,
        "length": 26,
        "data": data,
    }
    assert credential_of(ev) == ("card", str(1 << 16 | 2))
    ascii_ev = {"format": osdp.CardFormat.ASCII, "data": b"00123"}
    assert credential_of(ascii_ev) == ("card", "123")
    with pytest.raises(OsdpReadError) as err:
        credential_of(ev | {"data": bytes([data[0] ^ 0x40]) + data[1:]})
    assert err.value.reason == "wiegand_parity"


@given(
    st.dictionaries(
        st.sampled_from(["format", "length", "data"]),
        st.one_of(st.integers(-5, 80), st.binary(max_size=6), st.none()),
    )
)
def test_credential_of_never_crashes(ev: dict[str, Any]) -> None:
    try:
        kind, value = credential_of(ev)
    except OsdpReadError:
        return
    assert kind == "card" and value.isdigit()


def test_keypad() -> None:
    k = Keypad()
    assert k.feed(b"12") is None and k.feed(b"34#") == "1234"
    assert k.feed(b"99*2468#") == "2468"
    assert k.feed(b"12#") is None  # too short
    assert k.feed(b"123456789#") is None  # too long


class Pd:
    """A simulated OSDP reader: libosdp PD mode on its end of a TCP link."""

    def __init__(self, sock: socket.socket, scbk: bytes | None = None) -> None:
        caps = osdp.PDCapabilities([
            (osdp.Capability.CardDataFormat, 1, 1), (osdp.Capability.LEDControl, 1, 1),
            (osdp.Capability.OutputControl, 1, 1), (osdp.Capability.AudibleControl, 1, 1),
        ])  # fmt: skip
        info = osdp.PDInfo(PD_ADDR, SocketChannel(sock), scbk=scbk, name="sim-pd")
        self.pd = osdp.PeripheralDevice(info, caps, log_level=osdp.LogLevel.Error)
        self.pd.start()

    def commands(self, n: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        out = []
        for _ in range(n):
            try:
                out.append(self.pd.command_queue.get(timeout=timeout))
            except queue.Empty:
                break
        return out


@pytest.fixture
async def link(site: Site, platform: Platform) -> AsyncIterator[tuple[Pd, OsdpPanel]]:
    """An OSDP controller device with reader 101 on the unit door, and its simulated PD."""
    dev = await site.post(
        "/devices",
        {"site_id": site.ids["site"], "code": "OSDP-1", "name": "OSDP bus", "type": "door_reader",
         "subsystem": "access", "protocol": "osdp", "address": "tcp://127.0.0.1:1"},
    )  # fmt: skip
    await site.post(
        "/access/readers",
        {"door_id": site.ids["door"], "device_id": dev["id"], "address": str(PD_ADDR)},
    )
    server = socket.create_server(("127.0.0.1", 0))
    cp_sock = socket.create_connection(server.getsockname())
    pd_sock, _ = server.accept()
    server.close()
    svc = platform.capabilities.require(ACCESS)
    assert isinstance(svc, AccessService) and svc.osdp is not None
    pd = Pd(pd_sock)
    panel = OsdpPanel("OSDP-1", SocketChannel(cp_sock), [PD_ADDR], make_decide(svc))
    await panel.start()
    svc.osdp.add(panel)
    await until(lambda: panel.online(PD_ADDR))
    try:
        yield pd, panel
    finally:
        await panel.stop()
        await asyncio.to_thread(pd.pd.stop)
        cp_sock.close()
        pd_sock.close()


def read(frame: bytes) -> dict[str, Any]:
    """A Wiegand 26 card-read event as the PD reports it."""
    return {"event": osdp.Event.CardRead, "reader_no": 0, "direction": 0,
            "format": osdp.CardFormat.Wiegand, "length": 26, "data": frame}  # fmt: skip


def _kinds(platform: Platform) -> list[tuple[str, str]]:
    with platform.read_session() as s:
        rows = s.scalars(select(EventRow).where(EventRow.source == "OSDP-1").order_by(EventRow.id))
        return [(e.kind, e.payload.get("reason", "")) for e in rows]


async def test_card_and_pin_over_osdp(link: tuple[Pd, OsdpPanel], platform: Platform) -> None:
    pd, _ = link
    card = int(CARD)
    frame = wiegand.encode_bytes(26, card >> 16, card & 0xFFFF)
    pd.pd.submit_event(read(frame))
    led, relay = await asyncio.to_thread(pd.commands, 2)
    assert led["command"] == osdp.Command.LED and relay["command"] == osdp.Command.Output
    assert relay["timer_count"] == 50  # the door's 5 s unlock time, in 100 ms
    pd.pd.submit_event({"event": osdp.Event.KeyPress, "reader_no": 0, "data": f"{PIN}#".encode()})
    assert len(await asyncio.to_thread(pd.commands, 2)) == 2
    unknown = wiegand.encode_bytes(26, 9, 9)
    broken = bytes([unknown[0] ^ 0x20]) + unknown[1:]  # a flipped bit: parity fails
    for data in (unknown, broken):
        pd.pd.submit_event(read(data))
        (red,) = await asyncio.to_thread(pd.commands, 1)
        assert red["command"] == osdp.Command.LED
    assert _kinds(platform) == [
        ("access.granted", "ok"),
        ("access.granted", "ok"),
        ("access.denied", "unknown_credential"),
    ]


async def test_remote_open_reaches_the_pd(link: tuple[Pd, OsdpPanel], site: Site) -> None:
    pd, _ = link
    r = await site.client.post(
        f"/api/v1/access/doors/{site.ids['door']}/open",
        json={"reason": "维修"},
        headers=site.headers,
    )
    assert r.status_code == 202
    (relay,) = await asyncio.to_thread(pd.commands, 1)
    assert relay["command"] == osdp.Command.Output and relay["control_code"] == 5
