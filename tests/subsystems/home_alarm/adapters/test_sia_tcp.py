"""The SIA TCP transport: a connection cap and a per-frame deadline."""

from __future__ import annotations

import asyncio

import pytest

from anfang.subsystems.home_alarm.adapters.sia_tcp import SiaConnection, listen_pair, sweep_idle


class _Never:
    def accept(self, frame: bytes, transport: str) -> bytes:
        return b"ACK\r"

    def finish(self, pending: object) -> bytes | None:
        return None


class _Tally:
    def inc(self, amount: float = 1) -> None:
        pass


async def test_connections_over_the_cap_are_closed_on_arrival() -> None:
    conns: set[SiaConnection] = set()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SiaConnection(_Never(), conns, _Tally(), max_connections=2), "127.0.0.1", 0
    )
    port = server.sockets[0].getsockname()[1]
    held = [await asyncio.open_connection("127.0.0.1", port) for _ in range(2)]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    assert await asyncio.wait_for(reader.read(), 5) == b""  # the third is refused
    assert len(conns) == 2
    for _, w in [*held, (reader, writer)]:
        w.close()
    server.close()


async def test_a_partial_frame_is_cut_after_its_deadline_however_it_drips() -> None:
    conns: set[SiaConnection] = set()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SiaConnection(_Never(), conns, _Tally()), "127.0.0.1", 0
    )
    sweeper = asyncio.create_task(sweep_idle(conns, idle_s=60, frame_s=0.8))
    reader, writer = await asyncio.open_connection("127.0.0.1", server.sockets[0].getsockname()[1])
    closed = asyncio.create_task(reader.read())
    for _ in range(20):
        if closed.done():
            break
        writer.write(b"1")
        await asyncio.sleep(0.1)
    assert closed.done()
    sweeper.cancel()
    writer.close()
    server.close()


async def test_a_taken_udp_twin_port_is_tried_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """Port 0: TCP picks a free port and UDP must take the same number; when another
    socket holds it, both are opened again elsewhere (a suite run once failed on it)."""
    loop = asyncio.get_running_loop()
    real = loop.create_datagram_endpoint
    calls = []

    async def flaky(*args: object, **kwargs: object) -> object:
        calls.append(kwargs.get("local_addr"))
        if len(calls) == 1:
            raise OSError(98, "address in use")
        return await real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(loop, "create_datagram_endpoint", flaky)
    conns: set[SiaConnection] = set()
    server, udp = await listen_pair(
        lambda: SiaConnection(_Never(), conns, _Tally()), asyncio.DatagramProtocol, "127.0.0.1", 0
    )
    assert udp is not None and len(calls) == 2
    assert udp.get_extra_info("sockname")[1] == server.sockets[0].getsockname()[1]
    udp.close()
    server.close()
