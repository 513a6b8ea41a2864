"""The SIA TCP transport: a connection cap and a per-frame deadline."""

from __future__ import annotations

import asyncio

from anfang.subsystems.home_alarm.adapters.sia_tcp import SiaConnection, sweep_idle


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
