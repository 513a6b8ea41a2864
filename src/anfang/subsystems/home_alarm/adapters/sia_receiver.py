"""SIA DC-09 receiver: a TCP server and a UDP endpoint around the pure ``sia_dc09`` core.

Each frame is parsed, its events stored durably through the pipeline, and only then
acknowledged, so an ACKed event survives ``kill -9``. When the store cannot be written the
frame gets no reply at all: the panel times out and retransmits (NAK would also make it
resend, but NAK is for transit damage and carries a clock correction; silence is what the
standard's retry logic expects from a receiver that cannot take the message now).

Each TCP connection is a :class:`~.sia_tcp.SiaConnection` protocol; the work per frame is
split into :meth:`SiaReceiver.accept` (parse, check, hand the events to the writer) and
:meth:`SiaReceiver.finish` (the reply once they are durable), with no coroutine between.
With ``front=True`` the sockets, parsing and replies run in a front process instead
(:mod:`.sia_front`, :mod:`.sia_link`), which hands parsed frames to :meth:`SiaReceiver.store`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast

from prometheus_client import Counter

from anfang.core.devices import DeviceTracker
from anfang.core.events import Event
from anfang.core.pipeline import Pipeline
from anfang.core.tasks import stop_task
from anfang.core.writer import StorageUnavailable, Writer
from anfang.store.base import utcnow
from anfang.subsystems.home_alarm.adapters.sia_build import build_ack, build_duh, build_nak
from anfang.subsystems.home_alarm.adapters.sia_dc09 import (
    Reason,
    Rejection,
    Reply,
    SiaMessage,
    parse,
)
from anfang.subsystems.home_alarm.adapters.sia_events import (
    Brief,
    events_for,
)
from anfang.subsystems.home_alarm.adapters.sia_link import FrontLink
from anfang.subsystems.home_alarm.adapters.sia_tcp import (
    PendingFrame,
    SiaConnection,
    SiaDatagrams,
    listen_pair,
    sweep_idle,
)
from anfang.subsystems.home_alarm.service import AccountDirectory, AccountInfo

log = logging.getLogger(__name__)

FRAMES = Counter("anfang_sia_frames", "SIA DC-09 frames received, by outcome", ["outcome"])
# The children of the per-frame outcomes, looked up once: labels() costs a lock and a dict.
_ACCEPTED = FRAMES.labels("accepted")
_LINK_TEST = FRAMES.labels("link_test")
_LENGTH_MISMATCH = FRAMES.labels("length_mismatch")
_UNAVAILABLE = FRAMES.labels("storage_unavailable")


class ReceiverPlatform(Protocol):
    """What the receiver needs of the platform."""

    @property
    def writer(self) -> Writer: ...

    @property
    def pipeline(self) -> Pipeline: ...

    @property
    def devices(self) -> DeviceTracker: ...


@dataclass(slots=True)
class _Pending:
    """An accepted frame whose events the writer is storing."""

    msg: SiaMessage | Brief
    account: AccountInfo
    now: datetime
    future: asyncio.Future[Any]


class SiaReceiver:
    """Receives SIA DC-09 over TCP and UDP on ``host``/``port`` (0 picks a free port)."""

    def __init__(
        self,
        platform: ReceiverPlatform,
        host: str,
        port: int,
        *,
        directory: AccountDirectory | None = None,
        read_timeout: float = 60.0,
        udp: bool = True,
        front: bool = False,
    ) -> None:
        self.platform = platform
        self.host = host
        self.port = port
        # Its own directory opens sealed keys with the platform's secrets box.
        self.directory = directory or AccountDirectory(getattr(platform, "secrets", None))
        self.read_timeout = read_timeout
        self.udp = udp
        # The panels' sockets, parsing and replies in a process of their own (sia_front.py).
        self.front = FrontLink(self) if front else None
        self._server: asyncio.Server | None = None
        self._udp: asyncio.DatagramTransport | None = None
        self._conns: set[SiaConnection] = set()
        self._sweeper: asyncio.Task[None] | None = None
        self.tcp_port = 0
        self.udp_port = 0

    async def start(self) -> None:
        """Load the accounts and open the TCP server and the UDP endpoint."""
        if self.directory not in self.platform.writer.hooks:
            self.platform.writer.hooks.append(self.directory)
        await self.platform.writer.run(lambda ctx: self.directory.load(ctx.session))
        if self.front is not None:
            await self.front.start()
            self.tcp_port, self.udp_port = self.front.tcp_port, self.front.udp_port
            log.info(
                "SIA DC-09 receiver (front process) on %s tcp:%d udp:%d",
                self.host,
                self.tcp_port,
                self.udp_port,
            )
            return
        too_large = FRAMES.labels("too_large")
        self._server, transport = await listen_pair(
            lambda: SiaConnection(self, self._conns, too_large),
            (lambda: SiaDatagrams(self)) if self.udp else None,
            self.host,
            self.port,
        )
        self.tcp_port = self._server.sockets[0].getsockname()[1]
        self._sweeper = asyncio.create_task(
            sweep_idle(self._conns, self.read_timeout), name="sia-idle-sweep"
        )
        if transport is not None:
            self._udp = cast(asyncio.DatagramTransport, transport)
            self.udp_port = transport.get_extra_info("sockname")[1]
        log.info("SIA DC-09 receiver on %s tcp:%d udp:%d", self.host, self.tcp_port, self.udp_port)

    async def stop(self) -> None:
        """Close the listeners and every open connection."""
        if self.front is not None:
            await self.front.stop()
        if self._server is not None:
            self._server.close()
        await stop_task(self._sweeper)
        self._sweeper = None
        for conn in list(self._conns):
            conn.close()
        if self._udp is not None:
            self._udp.close()
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None
        if self.directory in self.platform.writer.hooks:
            self.platform.writer.hooks.remove(self.directory)

    def accept(self, frame: bytes, transport: str) -> bytes | _Pending:
        """A frame's reply now (refusals, link tests), or the store its ACK waits for."""
        now = utcnow()
        result = parse(frame, key_for=self.directory.key_for, now=now)
        if isinstance(result, Rejection):
            return self._reject(result, result.reason.value, result.message, now)
        account = self.directory.get(result.account)
        if account is None or (account.key is not None and not result.encrypted):
            # Unregistered or disabled accounts, and plain frames for an account that has a
            # key (anyone could forge those): refused for good, so DUH rather than NAK.
            why = "unknown_account" if account is None else "plaintext_for_keyed_account"
            rej = Rejection(
                Reply.DUH,
                Reason.UNKNOWN_ACCOUNT,
                why,
                result.sequence,
                result.receiver,
                result.line,
                result.account,
            )
            return self._reject(rej, why, f"account {result.account}: {why}", now)
        if result.id_token == "NULL" and account.device_code is None:
            self.link_test(result, account, now)
            return build_ack(result, utcnow())
        return self.store(result, account, events_for(result, account, transport), now)

    def store(
        self, msg: SiaMessage | Brief, account: AccountInfo, events: list[Event], now: datetime
    ) -> _Pending:
        """Hand an accepted message's events (or a panel's heartbeat) to the writer."""
        future: asyncio.Future[Any]
        code = account.device_code
        if msg.id_token == "NULL" and code is not None:
            future = asyncio.ensure_future(
                self.platform.writer.run(lambda ctx: self.platform.devices.heartbeat(ctx, code))
            )
        else:
            # Eager: the panel waits for this ACK, so no group-commit linger (bench/sia).
            future = self.platform.pipeline.store_many(events, eager=True)
        return _Pending(msg, account, now, future)

    def settled(self, pending: PendingFrame) -> bool:
        """True once the frame is durable (counted, the panel marked alive), False when
        storage is unavailable (no reply). Any other failure of the store is raised."""
        p = cast(_Pending, pending)
        exc = p.future.exception()
        if isinstance(exc, StorageUnavailable):
            _UNAVAILABLE.inc()
            log.warning("SIA %s seq %04d not stored: no reply", p.msg.account, p.msg.sequence)
            return False
        if exc is not None:
            raise exc
        (_LINK_TEST if p.msg.id_token == "NULL" else _ACCEPTED).inc()
        self._alive(p.msg, p.account, p.now)
        return True

    def finish(self, pending: PendingFrame) -> bytes | None:
        """The ACK once the frame's events are durable; None when storage is unavailable.

        Any other failure of the store is raised (the connection logs it and closes).
        """
        if not self.settled(pending):
            return None
        return build_ack(cast(SiaMessage, cast(_Pending, pending).msg), utcnow())

    def counted(self, outcome: str, n: int = 1) -> None:
        """Count ``n`` frames of ``outcome`` (the front process's tallies arrive this way)."""
        FRAMES.labels(outcome).inc(n)

    def link_test(self, msg: SiaMessage | Brief, account: AccountInfo, now: datetime) -> None:
        """A link test of an account without a device: nothing to store, the panel is alive."""
        _LINK_TEST.inc()
        self._alive(msg, account, now)

    def _alive(self, msg: SiaMessage | Brief, account: AccountInfo, now: datetime) -> None:
        self.directory.touch(account.account, now)  # supervision: the panel is alive
        if msg.length_mismatch:
            _LENGTH_MISMATCH.inc()

    def _reject(self, rej: Rejection, outcome: str, message: str, now: datetime) -> bytes:
        self.counted(outcome)
        log.warning("SIA frame refused (%s, %s): %s", rej.reply, outcome, message)
        return build_nak(now) if rej.reply is Reply.NAK else build_duh(rej)
