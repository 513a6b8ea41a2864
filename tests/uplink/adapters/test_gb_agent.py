"""The GB/T 28181 agent against bad peers: garbage and oversize datagrams, a stranger's
requests, a 401 storm, an upper that stops answering, TCP connections that drop."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from datetime import datetime

from anfang.uplink.adapters import gb28181 as gb
from anfang.uplink.adapters.gb_agent import GbAgent
from anfang.uplink.adapters.gb_sdp import Offer
from anfang.uplink.adapters.link_state import GbConfig
from anfang.uplink.sim_upper import SimUpper
from anfang.wire import sip
from anfang.wire.sip_framing import split_stream
from anfang.wire.sip_transaction import REJECTED
from tests.uplink.conftest import LOCAL_ID, PASSWORD, UPPER_ID, until


class _Host:
    """An empty site: no channels."""

    async def catalog(self) -> list[gb.CatalogItem]:
        return []

    async def device_online(self, device_id: str) -> bool | None:
        return True if device_id == LOCAL_ID else None

    async def records(
        self, device_id: str, start: datetime, end: datetime
    ) -> tuple[str, list[gb.RecordItem]] | None:
        return None

    def video(self, channel: str, offer: Offer) -> AsyncIterator[object] | None:
        return None


def _cfg(port: int, transport: str = "udp", password: str = PASSWORD) -> GbConfig:
    return GbConfig(
        "上级",
        UPPER_ID,
        UPPER_ID[:10],
        "127.0.0.1",
        port,
        transport,
        LOCAL_ID,
        "127.0.0.1",
        0,
        password,
        keepalive_s=1,
    )


async def _agent(cfg: GbConfig) -> GbAgent:
    agent = GbAgent(cfg, _Host())  # type: ignore[arg-type]
    await agent.start()
    return agent


def _rejected() -> float:
    samples = [s for m in REJECTED.collect() for s in m.samples if s.name.endswith("_total")]
    return sum(s.value for s in samples if s.labels.get("part") == "uplink")


async def test_garbage_and_oversize_datagrams_are_counted_not_fatal(upper: SimUpper) -> None:
    agent = await _agent(_cfg(upper.endpoint.local[1]))
    try:
        await until(lambda: agent.status.state == "registered")
        before = _rejected()
        target = agent.endpoint.local if agent.endpoint else ("", 0)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b"\x00\xffnot sip at all\r\n\r\n", target)
            s.sendto(b"MESSAGE sip:x SIP/2.0\r\nVia: y\r\n\r\n", target)
            with contextlib.suppress(OSError):  # the kernel may refuse the largest
                s.sendto(b"A" * 65_000, target)
        await until(lambda: _rejected() >= before + 2, 5)
        keepalives = upper.seen.keepalives
        await until(lambda: upper.seen.keepalives > keepalives, 5)
        assert agent.status.state == "registered"
    finally:
        await agent.stop()


async def test_a_strangers_query_is_forbidden(upper: SimUpper) -> None:
    agent = await _agent(_cfg(upper.endpoint.local[1]))
    stranger = SimUpper(UPPER_ID, PASSWORD)
    await stranger.start("127.0.0.2")
    try:
        await until(lambda: agent.status.state == "registered")
        stranger.lower, stranger.lower_id = agent.endpoint.local, LOCAL_ID  # type: ignore[union-attr]
        body = gb.encode("<Query><CmdType>Catalog</CmdType><SN>1</SN></Query>", "GB2312")
        assert await stranger.message(body) == 403
    finally:
        await stranger.stop()
        await agent.stop()


async def test_a_401_storm_ends_refused_with_back_off(upper: SimUpper) -> None:
    agent = await _agent(_cfg(upper.endpoint.local[1], password="wrong"))
    try:
        await until(lambda: agent.status.state == "refused")
        assert "password" in agent.status.detail
        await asyncio.sleep(3.0)
        assert upper.seen.register_attempts <= 8  # 2 per try, tries 1, 2, 4 s apart
        assert upper.seen.registers == 0
    finally:
        await agent.stop()


async def test_an_upper_that_goes_silent_is_offline_then_found_again(upper: SimUpper) -> None:
    agent = await _agent(_cfg(upper.endpoint.local[1]))
    try:
        await until(lambda: agent.status.state == "registered")
        upper.answer = False
        await until(lambda: agent.status.state == "offline", 40)
        assert "keepalive" in agent.status.detail
        upper.answer = True
        await until(lambda: agent.status.state == "registered", 40)
        assert upper.seen.registers >= 2
    finally:
        await agent.stop()


class _TcpUpper:
    """A registrar over TCP that accepts anyone and can drop its connections."""

    def __init__(self) -> None:
        self.registers = 0
        self.writers: list[asyncio.StreamWriter] = []
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._conn, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _conn(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        rest = b""
        while data := await reader.read(65536):
            msgs, rest = split_stream(rest + data)
            for raw in msgs:
                req = sip.parse(raw)
                if isinstance(req, sip.SipRequest):
                    self.registers += req.method == "REGISTER"
                    writer.write(sip.build_response(req, 200, to_tag="t"))

    def drop(self) -> None:
        for w in self.writers:
            w.close()
        self.writers.clear()

    async def stop(self) -> None:
        self.drop()
        if self.server is not None:
            self.server.close()


async def test_tcp_reconnects_after_the_upper_drops_the_connection() -> None:
    tcp = _TcpUpper()
    port = await tcp.start()
    agent = await _agent(_cfg(port, transport="tcp"))
    try:
        await until(lambda: agent.status.state == "registered")
        assert agent.endpoint is not None and agent.endpoint.transport_name == "TCP"
        tcp.drop()
        await until(lambda: agent.status.state != "registered", 10)
        await until(lambda: agent.status.state == "registered" and tcp.registers >= 2, 20)
    finally:
        await agent.stop()
        await tcp.stop()
