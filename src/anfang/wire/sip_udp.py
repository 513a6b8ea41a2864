"""SIP over UDP: a thin asyncio transport under the shared transaction layer.

Used by anfang's intercom service, the police uplink and the simulated devices alike.
"""

from __future__ import annotations

import asyncio
import logging
from typing import cast

from anfang.wire import sip
from anfang.wire.sip_transaction import RECEIVED, REJECTED, Addr, Handler, SipTransactions

__all__ = ["RECEIVED", "REJECTED", "Addr", "Handler", "SipEndpoint"]
log = logging.getLogger(__name__)


class SipEndpoint(SipTransactions, asyncio.DatagramProtocol):
    """One UDP socket speaking SIP: a server for ``handler`` and a client of its own."""

    def __init__(
        self,
        handler: Handler | None,
        supported: frozenset[str] = sip.METHODS,
        *,
        part: str = "intercom",
    ) -> None:
        super().__init__(handler, supported, part=part)
        self.transport: asyncio.DatagramTransport | None = None

    async def open(self, host: str, port: int) -> Addr:
        """Bind to ``host:port`` (0: any free port); returns the bound address."""
        loop = asyncio.get_running_loop()
        self.transport, _ = await loop.create_datagram_endpoint(
            lambda: self, local_addr=(host, port)
        )
        self.local = self.transport.get_extra_info("sockname")[:2]
        return self.local

    async def close(self) -> None:
        """Stop: fail pending requests, wait for running handlers, close the socket."""
        await self._stop_transactions()
        if self.transport is not None:
            self.transport.close()
            self.transport = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport."""
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        """One datagram is one message."""
        self.feed(data, (str(addr[0]), int(addr[1])))

    def error_received(self, exc: Exception) -> None:
        """ICMP errors (port unreachable…) are normal on UDP; note them."""
        log.debug("SIP socket error: %s", exc)

    def send(self, data: bytes, peer: Addr) -> None:
        """Send one datagram (dropped silently when closed: UDP gives no promise anyway)."""
        if self.transport is not None:
            self.transport.sendto(data, peer)
