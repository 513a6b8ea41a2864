"""The SIA DC-09 front process: panels' connections, parsing and replies beside the platform.

With one process the platform's event loop spent about half of its time per frame on the
panels' sockets, parsing, decrypting and building replies, and it shares one GIL with the
writer (bench/sia). The front process, spawned by :class:`~.sia_link.FrontLink`, takes that
part onto the second core. It holds the TCP and UDP listeners and a copy of the enabled
accounts, and answers alone only what needs no account: NAK for damaged frames or clock
skew, DUH for malformed, unsupported or oversized ones. Every other frame goes to the
platform, parsed, and its ACK is built here once the platform says it is durable (or, for
a link test, that its account is still enabled). Frames whose account the copy does not
know or whose key does not open go to the platform raw, which judges them with the real
directory (an account created a moment ago must not get DUH). Counts and the refusals' log
lines go to the platform too, once per batch, so ``/metrics`` and the log stay as they were.

Exits when the channel to the platform closes (the platform stopped or died).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections import Counter
from dataclasses import dataclass
from typing import Any, cast

from anfang.core.processes import leave_interrupt_to_parent
from anfang.store.base import utcnow
from anfang.subsystems.home_alarm.adapters.sia_build import build_ack, build_duh, build_nak
from anfang.subsystems.home_alarm.adapters.sia_dc09 import (
    Reason,
    Rejection,
    Reply,
    SiaMessage,
    parse,
)
from anfang.subsystems.home_alarm.adapters.sia_events import EventSpec, event_specs
from anfang.subsystems.home_alarm.adapters.sia_ipc import Channel
from anfang.subsystems.home_alarm.adapters.sia_tcp import (
    PendingFrame,
    SiaConnection,
    SiaDatagrams,
    listen_pair,
    sweep_idle,
)
from anfang.subsystems.home_alarm.service import AccountInfo

log = logging.getLogger(__name__)

# What the platform answers for a frame (results are (token, status, reply bytes or None)).
STORED = 0  # durable: the front sends the ACK it builds itself
REPLY = 1  # send the given reply (the platform judged a raw frame)
SILENT = 2  # no reply (storage unavailable: the panel will send again)
FAILED = 3  # the store failed otherwise: close the connection

# A frame for the platform: (token, account copy version, transport, raw frame, and for a
# parsed one (account, sequence, id token, length mismatch) and its events' specs).
BriefItem = tuple[str, int, str, bool]
FrameItem = tuple[int, int, str, bytes, BriefItem | None, list[EventSpec] | None]

# Rejections that depend on the account directory: the platform's word, not the copy's.
_ACCOUNT_REASONS = frozenset({Reason.UNKNOWN_ACCOUNT, Reason.CANNOT_DECRYPT})


@dataclass(slots=True)
class _Waiting:
    """A frame the platform is storing (or judging)."""

    msg: SiaMessage | None  # None: sent raw
    future: asyncio.Future[Any]


class _Tally:
    """One outcome's count for the platform (``SiaConnection`` counts oversized lines)."""

    def __init__(self, front: Front, outcome: str) -> None:
        self.front, self.outcome = front, outcome

    def inc(self, amount: float = 1) -> None:
        self.front.count(self.outcome, int(amount))


class Front:
    """The frame handler of the front process's connections."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.version = -1
        self.accounts: dict[str, AccountInfo] = {}
        self.waiting: dict[int, _Waiting] = {}
        self._token = 0
        self._frames: list[FrameItem] = []
        self.counts: Counter[str] = Counter()
        self._logs: list[str] = []
        self._flush_due = False

    def count(self, outcome: str, n: int = 1) -> None:
        """Count a frame's outcome; the platform adds it to its metrics with the next batch."""
        self.counts[outcome] += n
        self._schedule()

    def key_for(self, account: str) -> bytes | None:
        """The account's key in the copy, for ``parse``."""
        info = self.accounts.get(account.upper())
        return info.key if info is not None else None

    def accept(self, frame: bytes, transport: str) -> bytes | PendingFrame:
        """The reply now, or the platform's verdict to wait for."""
        now = utcnow()
        result = parse(frame, key_for=self.key_for, now=now)
        if isinstance(result, Rejection):
            if result.reason in _ACCOUNT_REASONS:
                return self._send(None, frame, transport, None, None)
            self.count(result.reason.value)
            self._log(
                f"SIA frame refused ({result.reply}, {result.reason.value}): {result.message}"
            )
            return build_nak(now) if result.reply is Reply.NAK else build_duh(result)
        account = self.accounts.get(result.account.upper())
        if account is None or (account.key is not None and not result.encrypted):
            return self._send(None, frame, transport, None, None)
        specs = event_specs(result, account.kind, transport)
        brief = (result.account, result.sequence, result.id_token, result.length_mismatch)
        return self._send(result, frame, transport, brief, specs)

    def finish(self, pending: PendingFrame) -> bytes | None:
        """The reply once the platform has answered."""
        waiting = cast(_Waiting, pending)
        status, reply = waiting.future.result()
        if status == STORED and waiting.msg is not None:
            return build_ack(waiting.msg, utcnow())
        if status == FAILED:
            raise RuntimeError(f"the platform could not store the frame: {reply}")
        return cast(bytes | None, reply)

    def answered(self, results: list[tuple[int, int, bytes | None]]) -> None:
        """The platform's verdicts on frames sent earlier."""
        for token, status, reply in results:
            waiting = self.waiting.pop(token, None)
            if waiting is not None and not waiting.future.done():
                waiting.future.set_result((status, reply))

    def lost(self) -> None:
        """The platform is gone: nothing waiting will be answered (panels send again)."""
        for waiting in self.waiting.values():
            if not waiting.future.done():
                waiting.future.set_result((SILENT, None))
        self.waiting.clear()

    def _send(
        self,
        msg: SiaMessage | None,
        raw: bytes,
        transport: str,
        brief: BriefItem | None,
        specs: list[EventSpec] | None,
    ) -> _Waiting:
        # Plain tuples, dicts and datetimes: unpickling dataclasses costs the platform's
        # loop ~6 µs a frame (dataclasses' Python __setstate__), these next to nothing.
        self._token += 1
        waiting = _Waiting(msg, asyncio.get_running_loop().create_future())
        self.waiting[self._token] = waiting
        self._frames.append((self._token, self.version, transport, raw, brief, specs))
        self._schedule()
        return waiting

    def _log(self, line: str) -> None:
        self._logs.append(line)
        self._schedule()

    def _schedule(self) -> None:
        # One message to the platform per turn of the loop, with everything of that turn.
        if not self._flush_due:
            self._flush_due = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_due = False
        if not (self._frames or self.counts or self._logs):
            return
        frames, self._frames = self._frames, []
        counts, self.counts = dict(self.counts), Counter()
        logs, self._logs = self._logs, []
        self.channel.send(("batch", frames, counts, logs))


async def _serve(sock: socket.socket, host: str, port: int, udp: bool, idle_s: float) -> None:
    loop = asyncio.get_running_loop()
    closed = loop.create_future()
    front: Front | None = None

    def on_message(message: Any) -> None:
        kind = message[0]
        if kind == "results" and front is not None:
            front.answered(message[1])
        elif kind == "accounts" and front is not None:
            front.version, front.accounts = message[1], message[2]
        elif kind == "stop" and not closed.done():
            closed.set_result(None)

    def on_lost() -> None:
        if not closed.done():
            closed.set_result(None)

    _, channel = await loop.create_connection(lambda: Channel(on_message, on_lost), sock=sock)
    front = Front(channel)
    conns: set[SiaConnection] = set()
    too_large = _Tally(front, "too_large")
    try:
        server, udp_transport = await listen_pair(
            lambda: SiaConnection(front, conns, too_large),
            (lambda: SiaDatagrams(front)) if udp else None,
            host,
            port,
            reuse_address=True,
        )
        tcp_port = server.sockets[0].getsockname()[1]
    except OSError as exc:
        channel.send(("failed", exc.errno, exc.strerror or str(exc)))
        await asyncio.sleep(0.1)  # let the message out before the channel closes
        return
    udp_port = udp_transport.get_extra_info("sockname")[1] if udp_transport else 0
    channel.send(("up", tcp_port, udp_port))
    sweeper = asyncio.create_task(sweep_idle(conns, idle_s))
    await closed
    server.close()
    sweeper.cancel()
    for conn in list(conns):
        conn.close()
    if udp_transport is not None:
        udp_transport.close()
    front.lost()
    channel.close()
    with contextlib.suppress(asyncio.CancelledError):
        await sweeper


def front_main(sock: socket.socket, host: str, port: int, udp: bool, idle_s: float) -> None:
    """Entry point of the front process (spawned; ``sock`` is its end of the channel)."""
    import uvloop

    leave_interrupt_to_parent()
    logging.basicConfig(level=logging.WARNING, format="sia-front %(levelname)s %(message)s")
    uvloop.run(_serve(sock, host, port, udp, idle_s))
