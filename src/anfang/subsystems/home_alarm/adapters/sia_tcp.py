"""SIA DC-09 transports as ``asyncio`` protocols: a TCP connection (frames in, replies out,
in order) and the UDP endpoint (one frame per datagram).

A protocol instead of a StreamReader task: the stream version paid for a task wake-up, an
``asyncio.timeout`` and a ``drain`` per frame, about a fifth of the receiver's event-loop
time in bench/sia. Frames are handled one at a time per connection, as before: a frame
that waits for the store holds back the frames behind it, so replies keep their order.
Idle connections are closed by one sweep per receiver (:func:`sweep_idle`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol, cast

from prometheus_client import Counter

from anfang.subsystems.home_alarm.adapters.sia_build import build_duh
from anfang.subsystems.home_alarm.adapters.sia_dc09 import MAX_FRAME

log = logging.getLogger(__name__)
REFUSED = Counter(
    "anfang_sia_connections_closed_total", "SIA connections refused or cut", ["reason"]
)

# A line may be one byte over MAX_FRAME (its CR) before the connection is refused: longer
# frames that do end get a DUH of their own from parse (too_large) and the line stays open.
_LIMIT = MAX_FRAME + 1
# Bytes a connection may hold back while its current frame is being stored.
_BACKLOG = 4 * MAX_FRAME


class Tally(Protocol):
    """Something that counts (a prometheus ``Counter``; the front process's own tally)."""

    def inc(self, amount: float = 1) -> None:
        """Count ``amount`` more."""


class PendingFrame(Protocol):
    """A frame whose events are being stored: ``future`` is done once they are."""

    @property
    def future(self) -> asyncio.Future[Any]: ...


class FrameHandler(Protocol):
    """What a connection needs of the receiver."""

    def accept(self, frame: bytes, transport: str) -> bytes | PendingFrame:
        """The reply now, or a pending store whose reply comes from :meth:`finish`."""

    def finish(self, pending: PendingFrame) -> bytes | None:
        """The reply once the store is done; None for none (storage unavailable)."""


# A frame must arrive whole within this long of its first byte: a peer dripping one byte
# every few seconds otherwise held a connection for ever (issue 14).
FRAME_DEADLINE_S = 10.0
# Connections at once, all peers together; more are closed on arrival (a community's panels
# are hundreds; a flood of idle sockets must not exhaust file descriptors).
MAX_CONNECTIONS = 4096


class SiaConnection(asyncio.Protocol):
    """One panel's TCP connection."""

    def __init__(
        self,
        handler: FrameHandler,
        conns: set[SiaConnection],
        too_large: Tally,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        self.handler = handler
        self.conns = conns
        self.too_large = too_large
        self.max_connections = max_connections
        self.frame_started: float | None = None  # first byte of the partial frame in buf
        self.transport: asyncio.Transport | None = None
        self.peer: Any = None
        self.buf = b""
        self.pending: PendingFrame | None = None
        self.last = time.monotonic()
        self.eof = False
        self._write_paused = False
        self._read_paused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.peer = transport.get_extra_info("peername")
        if len(self.conns) >= self.max_connections:
            REFUSED.labels("too_many_connections").inc()
            log.warning("SIA %s: %d connections open; refused", self.peer, len(self.conns))
            self.transport.abort()
            return
        self.conns.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.conns.discard(self)
        self.transport = None

    def data_received(self, data: bytes) -> None:
        self.last = time.monotonic()
        if not self.buf:
            self.frame_started = self.last
        self.buf = self.buf + data if self.buf else data
        if self.pending is None:
            self._next()
        else:
            self._flow()

    def eof_received(self) -> bool:
        # Half-closed by the panel: answer the frame being stored, then close.
        self.eof = True
        return self.pending is not None

    def pause_writing(self) -> None:
        self._write_paused = True
        self._flow()

    def resume_writing(self) -> None:
        self._write_paused = False
        self._flow()

    def idle_for(self, now: float) -> float:
        """Seconds since the panel last sent anything (0 while a frame is being stored)."""
        return 0.0 if self.pending is not None else now - self.last

    def partial_for(self, now: float) -> float:
        """Seconds the frame now arriving has taken so far (0 when none is)."""
        if self.pending is not None or not self.buf or self.frame_started is None:
            return 0.0
        return now - self.frame_started

    def close(self, abort: bool = False) -> None:
        """Close the connection (``abort``: without flushing what the panel does not read)."""
        if self.transport is not None:
            if abort or self._write_paused:
                self.transport.abort()
            else:
                self.transport.close()

    def _flow(self) -> None:
        # Stop reading while the panel does not read its replies, or sends far ahead.
        pause = self._write_paused or (self.pending is not None and len(self.buf) > _BACKLOG)
        if self.transport is not None and pause != self._read_paused:
            self._read_paused = pause
            if pause:
                self.transport.pause_reading()
            else:
                self.transport.resume_reading()

    def _next(self) -> None:
        transport = self.transport
        while self.pending is None and transport is not None and not transport.is_closing():
            end = self.buf.find(b"\r")
            if end < 0 and len(self.buf) <= _LIMIT:
                break
            if end < 0 or end > _LIMIT:
                self.too_large.inc()
                log.warning("SIA %s: line over %d bytes; closing", self.peer, MAX_FRAME)
                transport.write(build_duh(None))
                transport.close()
                return
            frame, self.buf = self.buf[: end + 1], self.buf[end + 1 :]
            self.frame_started = time.monotonic() if self.buf else None
            # Bytes before the frame's LF (noise, a stray CR LF) are not part of it.
            start = frame.rfind(b"\n")
            if start > 0:
                frame = frame[start:]
            try:
                out = self.handler.accept(frame, "tcp")
            except Exception:  # one broken connection must never stop the server
                log.exception("SIA connection %s failed", self.peer)
                transport.close()
                return
            if isinstance(out, bytes):
                transport.write(out)
                continue
            self.pending = out
            out.future.add_done_callback(self._stored)
        self._flow()
        if self.eof and self.pending is None and transport is not None:
            transport.close()

    def _stored(self, _: asyncio.Future[Any]) -> None:
        pending, self.pending = self.pending, None
        transport = self.transport
        if pending is None or transport is None or transport.is_closing():
            return
        try:
            reply = self.handler.finish(pending)
        except Exception:
            log.exception("SIA connection %s failed", self.peer)
            transport.close()
            return
        if reply is not None:
            transport.write(reply)
        self.last = time.monotonic()
        self._next()


async def sweep_idle(
    conns: set[SiaConnection], idle_s: float, frame_s: float = FRAME_DEADLINE_S
) -> None:
    """Close connections idle (or not reading their replies) for ``idle_s`` seconds, and
    those whose frame has not arrived whole ``frame_s`` seconds after its first byte (at
    most ``idle_s``: no frame may take longer than silence may last)."""
    frame_s = min(frame_s, idle_s)
    while True:
        await asyncio.sleep(min(idle_s / 4, frame_s / 4, 5.0))
        now = time.monotonic()
        for conn in list(conns):
            if conn.idle_for(now) > idle_s:
                conn.close()
            elif conn.partial_for(now) > frame_s:
                REFUSED.labels("frame_deadline").inc()
                log.warning("SIA %s: a frame unfinished after %.0f s; closing", conn.peer, frame_s)
                conn.close(abort=True)


class SiaDatagrams(asyncio.DatagramProtocol):
    """The UDP endpoint: each datagram is one frame, answered to its sender."""

    def __init__(self, handler: FrameHandler) -> None:
        self.handler = handler
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # The selector's UDP transport does not subclass DatagramTransport on 3.11.
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        transport = self.transport
        if transport is None:
            return
        try:
            out = self.handler.accept(data, "udp")
        except Exception:  # one bad datagram must never stop the endpoint
            log.exception("SIA datagram from %s failed", addr)
            return
        if isinstance(out, bytes):
            transport.sendto(out, addr)
            return

        def done(_: asyncio.Future[Any]) -> None:
            try:
                reply = self.handler.finish(out)
            except Exception:
                log.exception("SIA datagram from %s failed", addr)
                return
            if reply is not None and not transport.is_closing():
                transport.sendto(reply, addr)

        out.future.add_done_callback(done)


async def listen_pair(
    tcp: Callable[[], asyncio.Protocol],
    udp: Callable[[], asyncio.DatagramProtocol] | None,
    host: str,
    port: int,
    *,
    reuse_address: bool | None = None,
    attempts: int = 8,
) -> tuple[asyncio.Server, asyncio.BaseTransport | None]:
    """TCP and UDP listeners on one port. With ``port`` 0 the TCP side picks a free port
    and UDP takes the same number, which another socket may already hold: then both are
    tried again on another free port (a test run once failed on exactly this)."""
    loop = asyncio.get_running_loop()
    for attempt in range(attempts):
        server = await loop.create_server(tcp, host, port, reuse_address=reuse_address)
        if udp is None:
            return server, None
        tcp_port = server.sockets[0].getsockname()[1]
        try:
            transport, _ = await loop.create_datagram_endpoint(
                udp, local_addr=(host, port or tcp_port)
            )
        except OSError:
            server.close()
            await server.wait_closed()
            if port or attempt == attempts - 1:
                raise
            continue
        return server, transport
    raise AssertionError("unreachable")
