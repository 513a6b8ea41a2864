"""SIP over TCP (RFC 3261 §18): one connection to a peer, under the shared transaction layer.

A GB/T 28181 lower platform opens the connection to its upper platform and both send
requests over it. Messages are cut out of the stream by Content-Length
(:func:`sip_framing.split_stream`); a stream that cannot be resynchronised is closed, and requests
waiting on it fail at once rather than at their timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from anfang.wire import sip, sip_framing
from anfang.wire.sip import SipError
from anfang.wire.sip_transaction import REJECTED, Addr, Handler, SipTransactions

log = logging.getLogger(__name__)
_READ = 65_536


class SipTcpEndpoint(SipTransactions):
    """A SIP client and server over one TCP connection to ``peer``."""

    reliable = True
    transport_name = "TCP"

    def __init__(
        self,
        handler: Handler | None,
        supported: frozenset[str] = sip.METHODS,
        *,
        part: str = "uplink",
    ) -> None:
        super().__init__(handler, supported, part=part)
        self.peer: Addr = ("", 0)
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self.closed = asyncio.Event()
        self.closed.set()

    async def connect(self, host: str, port: int, wait: float = 5.0) -> Addr:
        """Open the connection; returns our local address. ``OSError`` when refused."""
        async with asyncio.timeout(wait):
            reader, writer = await asyncio.open_connection(host, port)
        self._writer, self.peer = writer, (host, port)
        self.local = writer.get_extra_info("sockname")[:2]
        self.closed.clear()
        self._reader_task = asyncio.create_task(self._read(reader))
        return self.local

    async def _read(self, reader: asyncio.StreamReader) -> None:
        rest = b""
        try:
            while True:
                data = await reader.read(_READ)
                if not data:
                    break
                try:
                    messages, rest = sip_framing.split_stream(rest + data)
                except SipError as exc:
                    REJECTED.labels(self.part, str(exc.status)).inc()
                    log.warning("SIP stream from %s:%d closed: %s", *self.peer, exc)
                    break
                for message in messages:
                    self.feed(message, self.peer)
        except (ConnectionError, OSError) as exc:
            log.info("SIP connection to %s:%d lost: %s", *self.peer, exc)
        finally:
            self._drop("connection closed by the peer")

    def _drop(self, why: str) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._fail_pending(why)
        self.closed.set()

    @property
    def connected(self) -> bool:
        """Whether the connection is open."""
        return self._writer is not None and not self._writer.is_closing()

    def send(self, data: bytes, peer: Addr) -> None:
        """Write one message (dropped when the connection is gone: the request times out
        or has already failed)."""
        if self._writer is not None and not self._writer.is_closing():
            self._writer.write(data)

    async def close(self) -> None:
        """Close the connection and stop the transactions."""
        await self._stop_transactions()
        if self._reader_task is not None:
            self._reader_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader_task
        self._drop("endpoint closed")
