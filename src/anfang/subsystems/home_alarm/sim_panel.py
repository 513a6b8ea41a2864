"""Simulated alarm panels that talk SIA DC-09 over TCP, as real household panels do.

A panel sends one frame, waits for the receiver's ACK, NAK or DUH and sends the same
sequence number again (with a fresh timestamp) on NAK, silence or a broken connection, with
growing pauses, until it is acknowledged or gives up. :func:`play_household` drives a panel
with the life of a household: periodic test reports, arming and disarming, and now and then
a panic, burglary or fire alarm followed by its restore.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from anfang.store.base import utcnow
from anfang.subsystems.home_alarm.adapters.sia_build import build_frame
from anfang.subsystems.home_alarm.adapters.sia_dc09 import SiaEvent, crc16_arc

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

ReplyKind = Literal["ACK", "NAK", "DUH", "TIMEOUT"]

_REPLY = re.compile(r'"\*?(?P<kind>ACK|NAK|DUH)"(?P<seq>\d{4})')


def demo_key(account: str) -> bytes:
    """The AES-128 key of a demo account, derived from its number so that restarts agree."""
    return hashlib.sha256(f"anfang-demo-sia:{account.upper()}".encode()).digest()[:16]


@dataclass
class PanelStats:
    """What a panel has done so far."""

    sent: int = 0
    acked: int = 0
    retries: int = 0
    naks: int = 0
    refused: int = 0
    lost: int = 0


def _reply_of(frame: bytes) -> tuple[str, int] | None:
    """(kind, sequence) of a receiver's reply frame, or None if it is damaged or not one."""
    frame = frame.strip(b"\n\r")
    if len(frame) < 9:
        return None
    try:
        crc = int(frame[:4], 16)
    except ValueError:
        return None
    body = frame[8:]
    if crc != crc16_arc(body):
        return None
    m = _REPLY.match(body.decode("latin-1"))
    return (m["kind"], int(m["seq"])) if m else None


class SimulatedSiaPanel:
    """One alarm panel (or perimeter alarm host) reporting to a DC-09 receiver over TCP."""

    def __init__(
        self,
        host: str,
        port: int,
        account: str,
        key: bytes | None,
        *,
        contact_id: bool,
        ack_timeout_s: float = 5.0,
        max_attempts: int = 6,
        backoff_max_s: float = 10.0,
        receiver: str | None = None,
        line: str | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.account = account.upper()
        self.key = key
        self.contact_id = contact_id
        self.ack_timeout_s = ack_timeout_s
        self.max_attempts = max_attempts
        self.backoff_max_s = backoff_max_s
        self.receiver = receiver
        self.line = line
        self.sequence = 1
        self.stats = PanelStats()
        self._lock = asyncio.Lock()
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def send(self, events: Sequence[SiaEvent]) -> ReplyKind:
        """Report ``events`` until acknowledged; the last reply kind (TIMEOUT: gave up).

        Contact ID carries one event per message, so each goes in a frame of its own and the
        first reply that is not an ACK is returned.
        """
        async with self._lock:
            if not self.contact_id:
                return await self._deliver(events, "SIA-DCS")
            for ev in events:
                reply = await self._deliver([ev], "ADM-CID")
                if reply != "ACK":
                    return reply
            return "ACK"

    async def close(self) -> None:
        """Close the connection (a later send opens a new one)."""
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _deliver(self, events: Sequence[SiaEvent], token: str) -> ReplyKind:
        seq = self.sequence
        # The next message gets the next number (1..9999, then 1 again) however this ends.
        self.sequence = seq % 9999 + 1
        self.stats.sent += 1
        delay = 0.5
        for attempt in range(self.max_attempts):
            if attempt:
                self.stats.retries += 1
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.backoff_max_s)
            frame = build_frame(
                self.account, events, sequence=seq, receiver=self.receiver, line=self.line,
                key=self.key, timestamp=utcnow(), id_token=token,
            )  # fmt: skip
            reply = await self._exchange(frame, seq)
            if reply == "ACK":
                self.stats.acked += 1
                return "ACK"
            if reply == "DUH":  # refused for good: sending it again cannot help
                self.stats.refused += 1
                log.warning("SIA panel %s: message %04d refused (DUH)", self.account, seq)
                return "DUH"
            if reply == "NAK":
                self.stats.naks += 1
        self.stats.lost += 1
        log.warning("SIA panel %s: message %04d not acknowledged; gave up", self.account, seq)
        return "TIMEOUT"

    async def _exchange(self, frame: bytes, seq: int) -> ReplyKind:
        """Send one frame and wait for the reply to ``seq``."""
        try:
            async with asyncio.timeout(self.ack_timeout_s):
                reader, writer = await self._connect()
                writer.write(frame)
                await writer.drain()
                while True:
                    parsed = _reply_of(await reader.readuntil(b"\r"))
                    if parsed is None:
                        continue  # damaged or foreign: keep waiting for a usable reply
                    kind, got = parsed
                    # A NAK carries sequence 0000; a late ACK of an earlier message is stale.
                    if kind == "NAK" or got == seq:
                        return "ACK" if kind == "ACK" else "NAK" if kind == "NAK" else "DUH"
        except (TimeoutError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            # Silence or a broken line: start afresh, since a reply may still be in flight.
            await self.close()
            return "TIMEOUT"

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None or self._writer.is_closing():
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self._reader, self._writer


def _event(panel: SimulatedSiaPanel, sia: str, cid: str, q: int, zone: str) -> SiaEvent:
    if panel.contact_id:
        return SiaEvent(cid, q, zone.zfill(3), "01")
    return SiaEvent(sia, zone=zone.lstrip("0") or None)


def periodic_test_event(panel: SimulatedSiaPanel) -> SiaEvent:
    """The periodic test report: SIA ``RP``, Contact ID 602."""
    return SiaEvent("602", 1, "000", "00") if panel.contact_id else SiaEvent("RP")


# (SIA alarm, SIA restore, Contact ID event, zones, relative weight)
_HOME_ALARMS = (
    ("PA", "PR", "120", "9", 1),
    ("BA", "BR", "130", "234", 3),
    ("FA", "FH", "110", "5", 1),
)
_PERIMETER_ALARMS = (("BA", "BR", "130", "12345678", 1),)


async def play_tests(panel: SimulatedSiaPanel, interval_s: float, rng: random.Random) -> None:
    """Send a test report at once and then every ``interval_s`` (with some jitter)."""
    while True:
        await panel.send([periodic_test_event(panel)])
        await asyncio.sleep(interval_s * rng.uniform(0.9, 1.1))


async def play_household(
    panel: SimulatedSiaPanel,
    rng: random.Random,
    *,
    test_interval_s: float = 600.0,
    mean_gap_s: float = 120.0,
    alarm_share: float = 0.05,
    restore_after_s: float = 20.0,
    perimeter: bool = False,
) -> None:
    """Play a panel until cancelled: tests, arming, disarming, rare alarms with restores.

    A perimeter alarm host raises only intrusions (burglary codes) on its beam zones.
    """
    alarms = _PERIMETER_ALARMS if perimeter else _HOME_ALARMS
    tests = asyncio.create_task(play_tests(panel, test_interval_s, rng))
    user = f"{rng.randint(1, 4)}"
    armed = False
    try:
        while True:
            await asyncio.sleep(rng.expovariate(1.0 / mean_gap_s))
            if rng.random() < alarm_share:
                sia, restore, cid, zones, _ = rng.choices(alarms, [a[4] for a in alarms])[0]
                zone = rng.choice(zones)
                await panel.send([_event(panel, sia, cid, 1, zone)])
                await asyncio.sleep(restore_after_s * rng.uniform(0.5, 1.5))
                await panel.send([_event(panel, restore, cid, 3, zone)])
            else:
                # Contact ID 401: event (1) is an opening (disarm), restore (3) a closing.
                armed = not armed
                code = "CL" if armed else "OP"
                await panel.send([_event(panel, code, "401", 3 if armed else 1, user)])
    finally:
        tests.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await tests
        await panel.close()
