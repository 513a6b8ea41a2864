"""Sends one camera to an upper platform as PS over RTP: UDP, or TCP (RFC 4571) where anfang
connects (the upper's ``setup:passive``) or listens (its ``setup:active``).

The pictures come from :class:`anfang.core.capabilities.VideoSource` already whole; here
they are only wrapped (:mod:`ps`) and written, so one session costs a few slices and a
socket write per packet. A receiver that cannot keep up over TCP is cut off rather than
buffered without end.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator

from prometheus_client import Counter

from anfang.core.capabilities import VideoUnit
from anfang.uplink.adapters import ps
from anfang.uplink.adapters.gb_sdp import Offer

log = logging.getLogger(__name__)
RTP_SENT = Counter("anfang_uplink_rtp_packets_total", "RTP packets sent to upper platforms")
_TCP_HIGH_WATER = 4 * 1024 * 1024
_ACCEPT_S = 10.0


class MediaSession:
    """One INVITE's media: bound by :meth:`prepare`, sending in :meth:`run` until stopped."""

    def __init__(self, offer: Offer, host: str, ssrc: str) -> None:
        self.offer = offer
        self.host = host
        self.ssrc = int(ssrc) if ssrc.isdigit() else secrets.randbits(31)
        self.port = 0
        self.packets = 0
        self.frames = 0
        self._udp: asyncio.DatagramTransport | None = None
        self._server: asyncio.Server | None = None
        self._accepted: asyncio.Future[asyncio.StreamWriter] | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._seq = secrets.randbelow(65536)

    async def prepare(self) -> int:
        """Bind the local end; returns the port to put in the answer."""
        loop = asyncio.get_running_loop()
        if not self.offer.tcp:
            transport, _ = await loop.create_datagram_endpoint(
                asyncio.DatagramProtocol, local_addr=(self.host, 0)
            )
            self._udp = transport
            self.port = self._udp.get_extra_info("sockname")[1]
        elif self.offer.setup == "active":  # the upper connects to us
            accepted: asyncio.Future[asyncio.StreamWriter] = loop.create_future()
            self._accepted = accepted

            async def on_conn(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
                if accepted.done():
                    writer.close()
                else:
                    accepted.set_result(writer)

            self._server = await asyncio.start_server(on_conn, self.host, 0)
            self.port = self._server.sockets[0].getsockname()[1]
        else:
            self.port = 9  # RFC 4145: the discard port for an active side that only connects
        return self.port

    async def _connect(self) -> None:
        if self.offer.tcp and self.offer.setup == "passive":
            _, self._writer = await asyncio.wait_for(
                asyncio.open_connection(self.offer.address, self.offer.port), _ACCEPT_S
            )
        elif self._accepted is not None:
            self._writer = await asyncio.wait_for(self._accepted, _ACCEPT_S)

    async def run(self, units: AsyncIterator[VideoUnit]) -> str:
        """Send until the pictures end or the receiver goes; returns why it stopped."""
        try:
            await self._connect()
        except (TimeoutError, OSError) as exc:
            return f"media connection failed: {exc or 'timeout'}"
        pt = self.offer.ps_payload
        target = (self.offer.address, self.offer.port)
        try:
            async for unit in units:
                data = ps.mux(unit.data, unit.pts, unit.keyframe, unit.codec)
                packets = ps.packetize(data, self._seq, unit.pts, self.ssrc, pt)
                self._seq = (self._seq + len(packets)) & 0xFFFF
                if self._udp is not None:
                    for p in packets:
                        self._udp.sendto(p, target)
                elif self._writer is not None:
                    self._writer.write(b"".join(ps.frame_tcp(p) for p in packets))
                    if self._writer.transport.get_write_buffer_size() > _TCP_HIGH_WATER:
                        return "the receiver does not keep up"
                    await self._writer.drain()
                self.packets += len(packets)
                self.frames += 1
                RTP_SENT.inc(len(packets))
        except (ConnectionError, OSError) as exc:
            return f"media stopped: {exc}"
        return "stream ended"

    async def close(self) -> None:
        """Close the sockets."""
        if self._udp is not None:
            self._udp.close()
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(Exception):
                await self._writer.wait_closed()
        if self._server is not None:
            self._server.close()
        if self._accepted is not None and not self._accepted.done():
            self._accepted.cancel()
