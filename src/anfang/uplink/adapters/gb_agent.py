"""The GB/T 28181 lower-platform agent: one per upper platform, over UDP or TCP.

It registers with digest authentication (refreshing before expiry, unregistering on stop),
sends Keepalive, takes the time from the 200 OK's ``Date``, and counts the upper offline
after three unanswered keepalives, then registers again with back-off. It answers the
upper's queries (Catalog split under 1,300 bytes on UDP, DeviceInfo, DeviceStatus,
RecordInfo), keeps catalog subscriptions and notifies them, sends Alarm Notify, and hands
INVITE / BYE to :mod:`gb_calls`. What it reports comes from a :class:`GbHost`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime

from anfang.uplink.adapters import gb28181 as gb
from anfang.uplink.adapters.gb_answers import GbHost, Subscriptions, on_message
from anfang.uplink.adapters.gb_calls import Calls
from anfang.uplink.adapters.link_state import AgentState, GbConfig
from anfang.wire import digest, sip
from anfang.wire.sip import SipRequest, SipResponse
from anfang.wire.sip_tcp import SipTcpEndpoint
from anfang.wire.sip_transaction import Addr, SipTransactions
from anfang.wire.sip_udp import SipEndpoint

log = logging.getLogger(__name__)
MISSED_FOR_OFFLINE = 3
UDP_MESSAGE = 1_300
TCP_BODY = 60_000
_BACKOFF_MAX = 60.0
_HEADROOM = 520  # bytes of SIP headers a MESSAGE carries besides its body (measured ~430)
SUPPORTED = frozenset({"MESSAGE", "SUBSCRIBE", "INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "INFO"})


class GbAgent:
    """The lower-platform side of one GB/T 28181 cascade."""

    def __init__(
        self, cfg: GbConfig, host: GbHost, on_state: Callable[[GbAgent], None] | None = None
    ) -> None:
        self.cfg = cfg
        self.host = host
        self.on_state = on_state
        self.status = AgentState()
        self.endpoint: SipTransactions | None = None
        self.calls = Calls(self, host)
        self._peer: Addr = (cfg.host, cfg.port)
        self._peer_ips: set[str] = set()
        self._call_id = f"{sip.new_tag()}@{cfg.local_host}"
        self._from_tag = sip.new_tag()
        self._cseq = 0
        self._sn = int(time.time()) % 100_000
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self.subscriptions = Subscriptions(self)
        self.registered = asyncio.Event()

    # ----------------------------------------------------------------- life

    async def start(self) -> None:
        """Start registering (in the background: a name that does not resolve, or an upper
        that does not answer, is a state, never an error of the caller)."""
        self._task = asyncio.create_task(self._run(), name=f"gb28181-{self.cfg.name}")

    async def stop(self) -> None:
        """Unregister (briefly), end calls, close."""
        self._stopping.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self.calls.stop_all()
        if self.endpoint is not None and self.registered.is_set():
            with contextlib.suppress(Exception):
                await self._register(0, give_up=2.0)
        if self.endpoint is not None:
            await self.endpoint.close()
            self.endpoint = None
        self._set("stopped", "")

    def _set(self, state: str, detail: str, code: str = "") -> None:
        changed = (state, detail) != (self.status.state, self.status.detail)
        self.status.state, self.status.detail, self.status.code = state, detail, code
        if state != "registered":
            self.registered.clear()
        if changed:
            log.info("upper %s: %s %s", self.cfg.name, state, detail)
            if self.on_state is not None:
                self.on_state(self)

    async def _open(self) -> None:
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(
            self.cfg.host, self.cfg.port, family=socket.AF_INET, type=socket.SOCK_STREAM
        )
        self._peer_ips = {str(i[4][0]) for i in infos}
        self._peer = (sorted(self._peer_ips)[0], self.cfg.port)
        if self.endpoint is not None:
            if not isinstance(self.endpoint, SipTcpEndpoint) or not self.endpoint.closed.is_set():
                return
            await self.endpoint.close()
        if self.cfg.transport == "tcp":
            tcp = SipTcpEndpoint(self._on_request, SUPPORTED, part="uplink")
            await tcp.connect(self.cfg.host, self.cfg.port)
            self.endpoint = tcp
        else:
            udp = SipEndpoint(self._on_request, SUPPORTED, part="uplink")
            await udp.open(self.cfg.local_host, self.cfg.local_port)
            self.endpoint = udp

    async def _run(self) -> None:
        backoff = 1.0
        while not self._stopping.is_set():
            try:
                await self._open()
                ok = await self._register(self.cfg.expires_s)
            except (OSError, ConnectionError, UnicodeError) as exc:  # UnicodeError: a bad name
                self._set("offline", f"cannot reach the upper: {exc}", "unreachable")
                ok = False
            if ok:
                backoff = 1.0
                await self._keep()
            if self._stopping.is_set():
                return
            await self._sleep(backoff)
            backoff = min(backoff * 2, _BACKOFF_MAX)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stopping.wait()

    async def _sleep_or_drop(self, seconds: float) -> None:
        """Sleep, waking early when a TCP connection drops."""
        closed = self.endpoint.closed if isinstance(self.endpoint, SipTcpEndpoint) else None
        waits = [asyncio.ensure_future(self._stopping.wait())]
        if closed is not None:
            waits.append(asyncio.ensure_future(closed.wait()))
        try:
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()

    # ----------------------------------------------------------------- register

    def _uri(self) -> str:
        return f"sip:{self.cfg.server_id}@{self.cfg.host}:{self.cfg.port}"

    def peer(self) -> Addr:
        """The upper's address."""
        return self._peer

    def contact(self) -> str:
        """Our Contact header value."""
        assert self.endpoint is not None
        host, port = self.endpoint.local
        return f"<sip:{self.cfg.local_id}@{host}:{port}>"

    def _headers(self, to: str, method: str, extra: list[tuple[str, str]]) -> list[tuple[str, str]]:
        self._cseq += 1
        gb_ver = "3.0" if self.cfg.version == "2022" else "2.0"
        return [
            ("From", f"<sip:{self.cfg.local_id}@{self.cfg.realm}>;tag={self._from_tag}"),
            ("To", to),
            ("Call-ID", self._call_id if method == "REGISTER" else f"{sip.new_tag()}@anfang"),
            ("CSeq", f"{self._cseq} {method}"),
            ("User-Agent", "anfang"),
            ("X-GB-Ver", gb_ver),
            *extra,
        ]

    async def _register(self, expires: int, give_up: float = 8.0) -> bool:
        """REGISTER (``expires`` 0: unREGISTER); True when the upper accepts."""
        assert self.endpoint is not None
        if expires:
            self._set("registering", "")
        to = f"<sip:{self.cfg.local_id}@{self.cfg.realm}>"
        extra = [("Contact", self.contact()), ("Expires", str(expires))]
        uri = self._uri()
        try:
            resp = await self.endpoint.request(
                self._peer, "REGISTER", uri, self._headers(to, "REGISTER", extra), give_up_s=give_up
            )
            if resp.status == 401 and resp.header("www-authenticate"):
                auth = digest.digest_authorization(
                    resp.header("www-authenticate") or "",
                    self.cfg.local_id,
                    self.cfg.password,
                    "REGISTER",
                    uri,
                )
                headers = self._headers(to, "REGISTER", [*extra, ("Authorization", auth)])
                resp = await self.endpoint.request(
                    self._peer, "REGISTER", uri, headers, give_up_s=give_up
                )
        except TimeoutError:
            self._set("offline", "no answer to REGISTER", "no_answer")
            return False
        except (ConnectionError, sip.SipError, digest.DigestError) as exc:
            self._set("offline", f"REGISTER failed: {exc}", "unreachable")
            return False
        if not expires:
            return resp.status == 200
        if resp.status == 200:
            self._take_time(resp)
            self.status.registered_at = datetime.now(UTC)
            self.status.missed = 0
            self._set("registered", "")
            self.registered.set()
            return True
        if resp.status in (401, 403):
            self._set(
                "refused", f"{resp.status} {resp.reason}: check the ID and password", "credentials"
            )
        else:
            self._set(
                "offline", f"REGISTER answered {resp.status} {resp.reason}", "register_refused"
            )
        return False

    def _take_time(self, resp: SipResponse) -> None:
        """The offset of the upper's clock (Date of the 200 OK) from ours, in seconds."""
        offset = gb.clock_offset(resp.header("date"), datetime.now(UTC))
        if offset is not None:
            self.status.clock_offset_s = offset

    async def _keep(self) -> None:
        """Keepalives until the upper is lost or the registration is due for refresh."""
        refresh = time.monotonic() + max(
            30.0, self.cfg.expires_s - max(0.5, self.cfg.expires_s / 10)
        )
        while not self._stopping.is_set():
            wait = min(self.cfg.keepalive_s, max(0.0, refresh - time.monotonic()))
            await self._sleep_or_drop(wait)
            if self._stopping.is_set():
                return
            if self.endpoint is None or not self.endpoint.connected:
                self._set("offline", "the upper closed the connection", "connection_closed")
                return
            if time.monotonic() >= refresh:
                if await self._register(self.cfg.expires_s):
                    refresh = time.monotonic() + self.cfg.expires_s * 0.9
                    continue
                return
            status = await self.message(
                gb.keepalive(self.next_sn(), self.cfg.local_id, self.cfg.charset)
            )
            if status == 200:
                self.status.missed = 0
                continue
            if status is not None and 400 <= status < 500:
                self._set(
                    "offline",
                    f"keepalive answered {status}: registering again",
                    "keepalive_refused",
                )
                return
            self.status.missed += 1
            if self.status.missed >= MISSED_FOR_OFFLINE:
                self._set(
                    "offline", f"{self.status.missed} keepalives unanswered", "keepalive_lost"
                )
                return

    # ----------------------------------------------------------------- sending

    def next_sn(self) -> int:
        """The next SN of a message we start."""
        self._sn += 1
        return self._sn

    @property
    def budget(self) -> int:
        """The most body bytes one MESSAGE may carry on this transport."""
        return TCP_BODY if self.cfg.transport == "tcp" else UDP_MESSAGE - _HEADROOM

    async def message(self, body: bytes, give_up: float = 8.0) -> int | None:
        """Send a MANSCDP MESSAGE to the upper; its status, or None without an answer."""
        if self.endpoint is None:
            return None
        to = f"<sip:{self.cfg.server_id}@{self.cfg.realm}>"
        extra = [("Content-Type", "Application/MANSCDP+xml")]
        try:
            resp = await self.endpoint.request(
                self._peer,
                "MESSAGE",
                self._uri(),
                self._headers(to, "MESSAGE", extra),
                body,
                give_up_s=give_up,
            )
        except (TimeoutError, ConnectionError):
            return None
        return resp.status

    async def send_all(self, bodies: list[bytes], parallel: int = 16) -> int:
        """Send several MESSAGEs (a split answer), ``parallel`` at a time; how many got 200."""
        gate = asyncio.Semaphore(parallel)

        async def one(body: bytes) -> bool:
            async with gate:
                return await self.message(body) == 200

        return sum(await asyncio.gather(*(one(b) for b in bodies)))

    async def alarm(self, body: bytes) -> bool:
        """Send an Alarm Notify; True once the upper answered 200."""
        if not self.registered.is_set():
            return False
        return await self.message(body, give_up=4.0) == 200

    # ----------------------------------------------------------------- receiving

    async def _on_request(self, req: SipRequest, peer: Addr) -> None:
        assert self.endpoint is not None
        if peer[0] not in self._peer_ips:
            self.endpoint.reply(req, peer, 403, reason="Not the upper platform")
            return
        if req.method == "OPTIONS":
            self.endpoint.reply(req, peer, 200)
        elif req.method == "MESSAGE":
            await on_message(self, req, peer)
        elif req.method == "SUBSCRIBE":
            self.subscriptions.on_subscribe(req, peer)
        elif req.method in ("INVITE", "ACK", "BYE", "CANCEL", "INFO"):
            await self.calls.on_request(req, peer)
        else:
            self.endpoint.reply(req, peer, 501)

    async def notify_catalog(self, items: list[gb.CatalogItem]) -> int:
        """NOTIFY every live catalog subscription of ``items`` (each with its Event)."""
        return await self.subscriptions.notify(items)
