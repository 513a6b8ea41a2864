"""GB/T 28181 calls: the upper INVITEs a channel, anfang answers with SDP and sends PS over
RTP until a BYE from either side. Live (``s=Play``) and recorded ranges (``s=Playback``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from prometheus_client import Counter, Gauge

from anfang.core.capabilities import VideoUnit
from anfang.uplink.adapters import gb_sdp
from anfang.uplink.adapters.link_state import GbConfig
from anfang.uplink.adapters.media_sender import MediaSession
from anfang.wire import sip
from anfang.wire.sip import SipRequest
from anfang.wire.sip_transaction import Addr, SipTransactions

log = logging.getLogger(__name__)
CALLS = Counter("anfang_uplink_gb_calls_total", "INVITEs from upper platforms", ["outcome"])
SESSIONS = Gauge("anfang_uplink_media_sessions", "Video sessions sent to upper platforms")
ACK_WAIT_S = 3.0


class CallAgent(Protocol):
    """What the calls need of their agent."""

    cfg: GbConfig
    endpoint: SipTransactions | None


class GbMedia(Protocol):
    """Where a call's pictures come from."""

    def video(self, channel: str, offer: gb_sdp.Offer) -> AsyncIterator[VideoUnit] | None:
        """The pictures an INVITE asks for (live or a recorded range); None: not a shared
        camera."""


@dataclass(slots=True)
class _Call:
    call_id: str
    channel: str
    session: MediaSession
    units: AsyncIterator[VideoUnit]
    remote_from: str
    local_to: str
    target: str
    peer: Addr
    task: asyncio.Task[None] | None = None
    cseq: int = 1
    ended_by_upper: bool = False


class Calls:
    """The running calls of one agent."""

    def __init__(self, agent: CallAgent, host: GbMedia) -> None:
        self.agent = agent
        self.host = host
        self.calls: dict[str, _Call] = {}

    async def on_request(self, req: SipRequest, peer: Addr) -> None:
        """INVITE, ACK, BYE, CANCEL and INFO of a call."""
        ep = self.agent.endpoint
        assert ep is not None
        call = self.calls.get(req.call_id)
        if req.method == "INVITE":
            await self._invite(req, peer)
        elif req.method == "ACK":
            if call is not None and call.task is None:
                self._start(call)
        elif req.method == "BYE":
            if call is None:
                ep.reply(req, peer, 481)
                return
            call.ended_by_upper = True
            ep.reply(req, peer, 200)
            await self._end(call)
        elif req.method == "CANCEL":
            ep.reply(req, peer, 200 if call is not None else 481)
            if call is not None:
                call.ended_by_upper = True
                await self._end(call)
        else:  # INFO: MANSRTSP playback control (pause, speed) is not carried out yet
            ep.reply(req, peer, 200 if call is not None else 481)

    async def _invite(self, req: SipRequest, peer: Addr) -> None:
        ep = self.agent.endpoint
        assert ep is not None
        if req.call_id in self.calls:
            return  # a retransmission the transaction layer did not catch
        channel = sip.uri_user(req.uri) or ""
        try:
            offer = gb_sdp.parse_offer(req.body)
        except gb_sdp.SdpError as exc:
            CALLS.labels("bad_offer").inc()
            ep.reply(req, peer, 488, reason=str(exc)[:80])
            return
        units = self.host.video(channel, offer)
        if units is None:
            CALLS.labels("unknown_channel").inc()
            ep.reply(req, peer, 404, reason="No such camera")
            return
        ep.reply(req, peer, 100)
        ssrc = offer.ssrc or _ssrc(offer, self.agent.cfg.realm)
        session = MediaSession(offer, self.agent.cfg.local_host, ssrc)
        try:
            port = await session.prepare()
        except OSError as exc:
            CALLS.labels("no_port").inc()
            ep.reply(req, peer, 500, reason=f"no media port: {exc}"[:80])
            return
        tag = sip.new_tag()
        contact = sip.parse_name_addr(req.header("contact") or req.header("from") or "").uri
        call = _Call(
            req.call_id,
            channel,
            session,
            units,
            req.header("from") or "",
            f"{req.header('to')};tag={tag}",
            contact,
            peer,
        )
        self.calls[req.call_id] = call
        answer = gb_sdp.answer(offer, channel, self.agent.cfg.local_host, port, ssrc)
        host, lport = ep.local
        headers = [
            ("Contact", f"<sip:{channel}@{host}:{lport}>"),
            ("Content-Type", "application/sdp"),
        ]
        ep.reply(req, peer, 200, to_tag=tag, headers=headers, body=answer)
        CALLS.labels("answered").inc()
        # Start without the ACK if it is lost: the upper is waiting for pictures.
        asyncio.get_running_loop().call_later(ACK_WAIT_S, self._start_if_waiting, req.call_id)

    def _start_if_waiting(self, call_id: str) -> None:
        call = self.calls.get(call_id)
        if call is not None and call.task is None:
            self._start(call)

    def _start(self, call: _Call) -> None:
        SESSIONS.inc()
        call.task = asyncio.create_task(self._send(call), name=f"gb-media-{call.channel}")

    async def _send(self, call: _Call) -> None:
        why = "ended"
        try:
            why = await call.session.run(call.units)
        except Exception as exc:  # a camera failing must end the call, not the agent
            why = f"camera failed: {exc}"
            log.warning("GB call %s on %s: %s", call.call_id, call.channel, why)
        finally:
            SESSIONS.dec()
            with contextlib.suppress(Exception):
                await call.units.aclose()  # type: ignore[attr-defined]
        if not call.ended_by_upper and self.calls.get(call.call_id) is call:
            log.info("GB call %s on %s ends: %s", call.call_id, call.channel, why)
            await self._bye(call)
            await self._end(call)

    async def _bye(self, call: _Call) -> None:
        ep = self.agent.endpoint
        if ep is None:
            return
        call.cseq += 1
        headers = [
            ("From", call.local_to),
            ("To", call.remote_from),
            ("Call-ID", call.call_id),
            ("CSeq", f"{call.cseq} BYE"),
        ]
        with contextlib.suppress(Exception):
            await ep.request(call.peer, "BYE", call.target, headers, give_up_s=4.0)

    async def _end(self, call: _Call) -> None:
        self.calls.pop(call.call_id, None)
        task = call.task
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await call.session.close()

    async def stop_all(self) -> None:
        """BYE every call (on shutdown or a lost upper)."""
        for call in list(self.calls.values()):
            await self._bye(call)
            call.ended_by_upper = True
            await self._end(call)


def _ssrc(offer: gb_sdp.Offer, realm: str) -> str:
    """A 10-digit SSRC: 0 live / 1 history, realm digits 4–8, a random sequence."""
    first = "0" if offer.session == "Play" else "1"
    return f"{first}{realm[3:8]:0>5}{secrets.randbelow(10_000):04d}"
