"""The platform's side of the SIA front process: spawn it, store what it sends, answer it.

See :mod:`.sia_front`. The front process sends, once per turn of its loop, the frames to
store (parsed, with the version of the account copy it judged them by) and the frames to
judge (raw), and its counts and log lines. Here each parsed frame is stored (a link test
only counted) through :meth:`LinkedReceiver.store` when its version is
still the directory's, and judged again from its raw bytes otherwise; the verdicts go back
once per turn. A front process that dies is started again after a second.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import socket
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from anfang.core.processes import start_held
from anfang.core.tasks import stop_task
from anfang.store.base import utcnow
from anfang.subsystems.home_alarm.adapters.sia_events import Brief, EventSpec, events_of
from anfang.subsystems.home_alarm.adapters.sia_front import (
    FAILED,
    REPLY,
    SILENT,
    STORED,
    BriefItem,
    FrameItem,
    front_main,
)
from anfang.subsystems.home_alarm.adapters.sia_ipc import Channel
from anfang.subsystems.home_alarm.adapters.sia_tcp import FrameHandler, PendingFrame

if TYPE_CHECKING:
    from anfang.core.events import Event
    from anfang.subsystems.home_alarm.adapters.sia_dc09 import SiaMessage
    from anfang.subsystems.home_alarm.service import AccountDirectory, AccountInfo


class LinkedReceiver(FrameHandler, Protocol):
    """What the front process's link needs of the receiver it serves."""

    host: str
    port: int
    udp: bool
    read_timeout: float
    directory: AccountDirectory

    def counted(self, outcome: str, n: int = 1) -> None:
        """Count frames of one outcome."""

    def link_test(self, msg: SiaMessage | Brief, account: AccountInfo, now: datetime) -> None:
        """A link test: the panel is alive, nothing to store."""

    def store(
        self, msg: SiaMessage | Brief, account: AccountInfo, events: list[Event], now: datetime
    ) -> PendingFrame:
        """Hand an accepted message's events to the writer."""

    def settled(self, pending: PendingFrame) -> bool:
        """Whether the frame is durable (False: storage unavailable)."""


log = logging.getLogger(__name__)
_Asked = tuple[Channel | None, int]  # (the front process's channel, its frame token)
START_TIMEOUT_S = 60.0  # a spawned interpreter imports the receiver's modules first
RESTART_DELAY_S = 1.0


class FrontLink:
    """Runs the front process for ``receiver`` and serves its requests."""

    def __init__(self, receiver: LinkedReceiver) -> None:
        self.rx = receiver
        self.process: multiprocessing.process.BaseProcess | None = None
        self.channel: Channel | None = None
        self.tcp_port = 0
        self.udp_port = 0
        self._sent_version = -1
        self._results: list[tuple[int, int, bytes | None]] = []
        self._flush_due = False
        self._up: asyncio.Future[tuple[int, int]] | None = None
        self._stopping = False
        self._watch: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Spawn the front process; raises ``OSError`` when it cannot listen."""
        self._stopping = False
        await self._spawn(self.rx.port)
        self._watch = asyncio.create_task(self._watchdog(), name="sia-front-watchdog")

    async def stop(self) -> None:
        """Stop the front process (it closes its connections) and wait for it."""
        self._stopping = True
        await stop_task(self._watch)
        self._watch = None
        if self.channel is not None:
            self.channel.send(("stop",))
        proc = self.process
        if proc is not None:
            await asyncio.to_thread(proc.join, 10)
            if proc.is_alive():
                proc.kill()
                await asyncio.to_thread(proc.join, 5)
        if self.channel is not None:
            self.channel.close()
        self.process = self.channel = None

    async def _spawn(self, port: int) -> None:
        loop = asyncio.get_running_loop()
        ours, theirs = socket.socketpair()
        ctx = multiprocessing.get_context("spawn")
        proc = ctx.Process(
            target=front_main,
            args=(theirs, self.rx.host, port, self.rx.udp, self.rx.read_timeout),
            name="anfang-sia-front",
            daemon=True,
        )
        await asyncio.to_thread(start_held, proc)  # its SIGINT waits until it ignores it
        theirs.close()
        self.process = proc
        self._up = loop.create_future()
        _, self.channel = await loop.create_connection(
            lambda: Channel(self._on_message, self._on_lost), sock=ours
        )
        self._sync_accounts()
        try:
            async with asyncio.timeout(START_TIMEOUT_S):
                self.tcp_port, self.udp_port = await self._up
        except BaseException:
            proc.kill()
            self.channel.close()
            raise

    async def _watchdog(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            self._sync_accounts()
            proc = self.process
            if proc is not None and not proc.is_alive() and not self._stopping:
                log.error("SIA front process exited (%s); starting it again", proc.exitcode)
                await asyncio.sleep(RESTART_DELAY_S)
                try:  # on the port it had, which panels are configured for
                    await self._spawn(self.tcp_port)
                except Exception:
                    log.exception("SIA front process did not start again; next try soon")

    def _sync_accounts(self) -> None:
        directory = self.rx.directory
        if directory.version != self._sent_version and self.channel is not None:
            version, accounts = directory.snapshot()
            if self.channel.send(("accounts", version, accounts)):
                self._sent_version = version

    def _on_lost(self) -> None:
        self._sent_version = -1
        if self._up is not None and not self._up.done():
            self._up.set_exception(OSError("SIA front process ended before it listened"))

    def _on_message(self, message: Any) -> None:
        kind = message[0]
        if kind == "batch":
            self._batch(*message[1:])
        elif kind == "up" and self._up is not None and not self._up.done():
            self._up.set_result((message[1], message[2]))
        elif kind == "failed" and self._up is not None and not self._up.done():
            self._up.set_exception(OSError(message[1], message[2]))

    def _batch(
        self,
        frames: list[FrameItem],
        counts: dict[str, int],
        logs: list[str],
    ) -> None:
        self._sync_accounts()
        for outcome, n in counts.items():
            self.rx.counted(outcome, n)
        for line in logs:
            log.warning("%s", line)
        version = self.rx.directory.version
        # Answers go to the process that asked: tokens of one started after a crash
        # begin again at 1, so a late answer for its predecessor must not reach it.
        channel = self.channel
        for token, used, transport, raw, brief, specs in frames:
            asked = (channel, token)
            try:
                self._frame(asked, raw, transport, brief if used == version else None, specs)
            except Exception as exc:  # one bad frame must never stop the others
                log.exception("SIA frame from the front process failed")
                self._answer(asked, FAILED, str(exc).encode()[:200])

    def _frame(
        self,
        asked: _Asked,
        raw: bytes,
        transport: str,
        brief: BriefItem | None,
        specs: list[EventSpec] | None,
    ) -> None:
        if brief is not None and specs is not None:
            account = self.rx.directory.get(brief[0])
            if account is not None and brief[2] == "NULL" and account.device_code is None:
                self.rx.link_test(Brief(*brief), account, utcnow())  # nothing to store
                self._answer(asked, STORED, None)
                return
            if account is not None:
                pending: PendingFrame = self.rx.store(
                    Brief(*brief), account, events_of(specs, account), utcnow()
                )
                pending.future.add_done_callback(lambda _: self._stored(asked, pending))
                return
        out = self.rx.accept(raw, transport)  # judged with the real directory
        if isinstance(out, bytes):
            self._answer(asked, REPLY, out)
            return
        out.future.add_done_callback(lambda _: self._judged(asked, out))

    def _stored(self, asked: _Asked, pending: PendingFrame) -> None:
        try:
            self._answer(asked, STORED if self.rx.settled(pending) else SILENT, None)
        except Exception as exc:
            log.error("SIA frame not stored: %r", exc)
            self._answer(asked, FAILED, repr(exc).encode()[:200])

    def _judged(self, asked: _Asked, pending: PendingFrame) -> None:
        try:
            reply = self.rx.finish(pending)
        except Exception as exc:
            log.error("SIA frame not stored: %r", exc)
            self._answer(asked, FAILED, repr(exc).encode()[:200])
            return
        self._answer(asked, SILENT if reply is None else REPLY, reply)

    def _answer(self, asked: _Asked, status: int, reply: bytes | None) -> None:
        channel, token = asked
        if channel is None or channel is not self.channel:
            return  # that process is gone; its panel sends the frame again
        self._results.append((token, status, reply))
        if not self._flush_due:
            self._flush_due = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_due = False
        results, self._results = self._results, []
        if self.channel is not None and results:
            self.channel.send(("results", results))
