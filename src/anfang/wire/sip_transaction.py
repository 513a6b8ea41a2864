"""SIP transactions over any transport: what UDP and TCP share.

Incoming requests go to a handler (each in its own task); a retransmitted request gets the
cached answer again instead of being handled twice. Outgoing requests are retransmitted
over UDP (RFC 3261 timer A/E: 0.5 s doubling to 4 s; never over TCP, §17.1.1.2) until
answered, and answers are matched to them by Via branch. The transports (``sip_udp``,
``sip_tcp``) only move bytes and call :meth:`SipTransactions.feed`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from prometheus_client import Counter

from anfang.wire import sip
from anfang.wire.sip import SipError, SipRequest, SipResponse

log = logging.getLogger(__name__)
Addr = tuple[str, int]
Handler = Callable[[SipRequest, Addr], Awaitable[None]]

RECEIVED = Counter("anfang_sip_received_total", "SIP messages received", ["part", "kind"])
REJECTED = Counter("anfang_sip_rejected_total", "SIP messages refused", ["part", "status"])
T1, T2 = 0.5, 4.0
_ANSWER_CACHE = 512  # answered requests remembered for retransmissions
_ANSWER_TTL = 32.0


class SipTransactions(ABC):
    """The transaction layer of one SIP socket: a server for ``handler`` and a client."""

    reliable = False  # TCP: no retransmissions
    transport_name = "UDP"

    def __init__(
        self,
        handler: Handler | None,
        supported: frozenset[str] = sip.METHODS,
        *,
        part: str = "intercom",
    ) -> None:
        self.handler = handler
        self.supported = supported
        self.part = part
        self.local: Addr = ("127.0.0.1", 0)
        self._pending: dict[tuple[str, str], _Client] = {}
        self._answers: OrderedDict[tuple[str, int, str, str], tuple[float, bytes | None]] = (
            OrderedDict()
        )
        self._tasks: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------- for the transports

    @abstractmethod
    def send(self, data: bytes, peer: Addr) -> None:
        """Send one message (the transport's)."""

    @abstractmethod
    async def close(self) -> None:
        """Stop and close the socket (the transport's)."""

    @property
    def connected(self) -> bool:
        """Whether a request can go out now (a UDP socket always can)."""
        return True

    def feed(self, data: bytes, peer: Addr) -> None:
        """Parse one whole message and route it; bad ones are counted, logged and dropped."""
        if data.strip(b"\r\n") == b"":
            return  # RFC 5626 keep-alive
        try:
            msg = sip.parse(data)
        except SipError as exc:
            REJECTED.labels(self.part, str(exc.status)).inc()
            log.info("SIP message from %s:%d refused: %s", *peer, exc)
            return
        if isinstance(msg, SipResponse):
            RECEIVED.labels(self.part, "response").inc()
            self._on_response(msg)
        else:
            RECEIVED.labels(self.part, msg.method if msg.method in sip.METHODS else "other").inc()
            self._on_request(msg, peer)

    async def _stop_transactions(self) -> None:
        for client in list(self._pending.values()):
            if not client.final.done():
                client.final.set_exception(ConnectionAbortedError("SIP endpoint closed"))
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def _fail_pending(self, why: str) -> None:
        for client in list(self._pending.values()):
            if not client.final.done():
                client.final.set_exception(ConnectionResetError(why))

    # ------------------------------------------------------------- server side

    def _on_request(self, req: SipRequest, peer: Addr) -> None:
        key = (req.call_id, req.cseq[0], req.method, req.branch or "")
        if req.method != "ACK" and key in self._answers:
            answer = self._answers[key][1]
            if answer is not None:  # a retransmission: say the same again
                self.send(answer, peer)
            return
        if req.method not in self.supported or self.handler is None:
            REJECTED.labels(self.part, "501").inc()
            self.send(sip.build_response(req, 501), peer)
            return
        if req.method != "ACK":
            self._remember(key, None)
        task = asyncio.create_task(self._handle(req, peer, key))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, req: SipRequest, peer: Addr, key: tuple[str, int, str, str]) -> None:
        assert self.handler is not None
        try:
            await self.handler(req, peer)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("SIP %s from %s:%d failed", req.method, *peer)
            if req.method != "ACK" and self._answers.get(key, (0.0, None))[1] is None:
                self.reply(req, peer, 500)

    def reply(
        self,
        req: SipRequest,
        peer: Addr,
        status: int,
        *,
        reason: str | None = None,
        to_tag: str | None = None,
        headers: list[tuple[str, str]] | None = None,
        body: bytes = b"",
    ) -> None:
        """Answer ``req`` (as :func:`sip.build_response`) and remember a final answer."""
        if reason is not None:  # a phrase made from a refusal's text: one line, printable
            reason = "".join(c if c.isprintable() else " " for c in reason)[:100]
        data = sip.build_response(
            req, status, reason=reason, to_tag=to_tag, headers=headers, body=body
        )
        if status >= 200 and req.method != "ACK":
            self._remember((req.call_id, req.cseq[0], req.method, req.branch or ""), data)
        self.send(data, peer)

    def _remember(self, key: tuple[str, int, str, str], data: bytes | None) -> None:
        now = time.monotonic()
        self._answers[key] = (now, data)
        self._answers.move_to_end(key)
        while self._answers and (
            len(self._answers) > _ANSWER_CACHE
            or now - next(iter(self._answers.values()))[0] > _ANSWER_TTL
        ):
            self._answers.popitem(last=False)

    # ------------------------------------------------------------- client side

    def via(self, branch: str) -> str:
        """Our Via header value for a request with ``branch``."""
        return (
            f"SIP/2.0/{self.transport_name} {self.local[0]}:{self.local[1]};branch={branch};rport"
        )

    async def request(
        self,
        peer: Addr,
        method: str,
        uri: str,
        headers: list[tuple[str, str]],
        body: bytes = b"",
        *,
        branch: str | None = None,
        give_up_s: float | None = 8.0,
        on_provisional: Callable[[SipResponse], None] | None = None,
    ) -> SipResponse:
        """Send a request (Via added) and return its final response; ``TimeoutError`` else.

        INVITEs are ACKed here (a 2xx with a new branch, others with the same), so the
        caller only sees the outcome.
        """
        if not self.connected:
            raise ConnectionResetError("not connected")
        branch = branch or sip.new_branch()
        data = sip.build_request(method, uri, [("Via", self.via(branch)), *headers], body)
        client = _Client(asyncio.get_running_loop().create_future(), on_provisional)
        self._pending[(branch, method)] = client
        resend = asyncio.create_task(self._retransmit(data, peer, client))
        try:
            async with asyncio.timeout(give_up_s):
                resp = await client.final
        finally:
            resend.cancel()
            self._pending.pop((branch, method), None)
        if method == "INVITE":
            self._ack(uri, headers, resp, peer, branch)
        return resp

    async def _retransmit(self, data: bytes, peer: Addr, client: _Client) -> None:
        interval = T1
        while not client.final.done():
            self.send(data, peer)
            if self.reliable:
                return
            await asyncio.sleep(interval)
            if client.provisional:  # an INVITE that rings is not resent
                return
            interval = min(interval * 2, T2)

    def _on_response(self, resp: SipResponse) -> None:
        client = self._pending.get((resp.branch or "", resp.cseq[1]))
        if client is None or client.final.done():
            return  # late, duplicate or not ours
        if resp.status < 200:
            client.provisional = True
            if client.on_provisional is not None:
                client.on_provisional(resp)
            return
        client.final.set_result(resp)

    def _ack(
        self, uri: str, headers: list[tuple[str, str]], resp: SipResponse, peer: Addr, branch: str
    ) -> None:
        keep = {"from", "call-id"}
        out = [(k, v) for k, v in headers if k.lower() in keep]
        out += [("To", resp.header("to") or ""), ("CSeq", f"{resp.cseq[0]} ACK")]
        ack_branch = sip.new_branch() if resp.status < 300 else branch
        self.send(sip.build_request("ACK", uri, [("Via", self.via(ack_branch)), *out]), peer)


class _Client:
    """One outgoing request waiting for its answer."""

    def __init__(
        self,
        final: asyncio.Future[SipResponse],
        on_provisional: Callable[[SipResponse], None] | None,
    ) -> None:
        self.final = final
        self.on_provisional = on_provisional
        self.provisional = False
