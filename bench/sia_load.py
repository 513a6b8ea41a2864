"""Simulated SIA DC-09 panels for bench/sia: closed loop, one frame in flight per panel.

Runs in its own (spawned) process so that the receiver's CPU is measured on its own. Each
panel keeps one TCP connection, sends a frame, waits for the reply frame and sends the next
one at once, as a real panel does, until the run's time is up.

The panels must cost much less than the receivers they measure, or the benchmark measures
them instead (with ``build_frame`` and asyncio streams one core gave out at ~8,000 frames/s
plain against a receiver that only echoes an ACK). So every frame is still a real, distinct,
valid DC-09 frame (its own sequence number, a current timestamp, its own CRC-16/ARC, real
AES-128-CBC), but only what changes is recomputed: the sequence number per frame (and the
CRC, in C), the timestamp once a second, and the encrypted part (which holds the timestamp,
not the sequence number) once a second per panel. Each panel is an ``asyncio.Protocol``.
"""

from __future__ import annotations

import asyncio
import secrets
import string
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from typing import Any

import uvloop
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from fastcrc import crc16

RECEIVER, LINE = "1", "1"  # both receivers answer properly only when R and L are present
_SEQ = [b"%04d" % n for n in range(10000)]
_PAD = string.ascii_letters + string.digits
REPLY_TIMEOUT_S = 10.0


@dataclass
class LoadSpec:
    """What the panels send: to ``port``, one panel per account, for warm-up + seconds."""

    port: int
    accounts: list[str]
    key: bytes | None
    seconds: float
    warmup: float
    code: str = "BA"  # burglary alarm; RP (periodic test) skips the alarm path


@dataclass
class PanelTally:
    """What all panels saw; latencies only for replies within the measured window."""

    sent: int = 0
    acked: int = 0
    other_replies: int = 0
    errors: int = 0
    measured_acks: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    # "account:sequence" -> time.time_ns() when sent, for frames sent in the measured window
    # (the console stand-in notes when each arrives over the WebSocket).
    sends: dict[str, int] = field(default_factory=dict)


class _Clock:
    """The DC-09 timestamp text of the current second, made once a second."""

    def __init__(self) -> None:
        self.second = -1
        self.text = b""

    def now(self) -> tuple[int, bytes]:
        second = int(time.time())
        if second != self.second:
            self.second = second
            when = datetime.fromtimestamp(second, UTC)
            self.text = when.strftime("_%H:%M:%S,%m-%d-%Y").encode("ascii")
        return self.second, self.text


def _encrypt(content: bytes, key: bytes) -> bytes:
    # As sia_dc09._encrypt: random pad up to '|' fills whole blocks; IV of zeros.
    pad = "".join(secrets.choice(_PAD) for _ in range(-(len(content) + 1) % 16))
    encryptor = Cipher(algorithms.AES(key), modes.CBC(bytes(16))).encryptor()
    plain = pad.encode("ascii") + b"|" + content
    return (encryptor.update(plain) + encryptor.finalize()).hex().upper().encode("ascii")


class _Panel(asyncio.Protocol):
    """One panel on one connection: send, wait for the reply, send the next."""

    def __init__(self, spec: LoadSpec, account: str, tally: PanelTally, clock: _Clock) -> None:
        self.spec, self.account, self.tally, self.clock = spec, account, tally, clock
        self.key = spec.key
        acct = account.encode("ascii")
        route = f"R{RECEIVER}L{LINE}#".encode("ascii") + acct + b"["
        self.head = b'"*SIA-DCS"' if self.key else b'"SIA-DCS"'
        self.route = route
        self.data = f"Nri1/{spec.code}1]".encode("ascii")
        self.plain_data = b"#" + acct + b"|" + self.data
        self.cipher_second = -1
        self.cipher = b""
        self.seq = 0
        self.sent_at = 0.0
        self.buf = b""
        self.expect = b""
        self.transport: asyncio.Transport | None = None
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.measure_from = 0.0
        self.end = 0.0
        self.timer: asyncio.TimerHandle | None = None

    def _frame(self) -> bytes:
        self.seq = seq = self.seq % 9999 + 1
        second, ts = self.clock.now()
        if self.key is None:
            body = self.head + _SEQ[seq] + self.route + self.plain_data + ts
        else:
            if second != self.cipher_second:
                self.cipher_second = second
                self.cipher = _encrypt(self.data + ts, self.key)
            body = self.head + _SEQ[seq] + self.route + self.cipher
        self.expect = b'ACK"' + _SEQ[seq]
        return b"\n%04X0%03X" % (crc16.arc(body), len(body)) + body + b"\r"

    def start(self, transport: asyncio.Transport, measure_from: float, end: float) -> None:
        self.transport, self.measure_from, self.end = transport, measure_from, end
        self._send()

    def _send(self) -> None:
        assert self.transport is not None
        frame = self._frame()
        self.sent_at = sent_at = time.monotonic()
        if sent_at >= self.measure_from:
            self.tally.sends[f"{self.account}:{self.seq}"] = time.time_ns()
        self.transport.write(frame)
        self.tally.sent += 1
        self.timer = asyncio.get_running_loop().call_later(REPLY_TIMEOUT_S, self._timeout)

    def _timeout(self) -> None:
        self.tally.errors += 1
        self._finish()

    def _finish(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        if self.transport is not None:
            self.transport.close()
        if not self.done.done():
            self.done.set_result(None)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        end = self.buf.find(b"\r")
        if end < 0:
            return
        reply, self.buf = self.buf[: end + 1], self.buf[end + 1 :]
        done = time.monotonic()
        if self.timer is not None:
            self.timer.cancel()
        tally = self.tally
        if self.expect in reply:
            tally.acked += 1
            if done >= self.measure_from:
                tally.measured_acks += 1
                tally.latencies_ms.append((done - self.sent_at) * 1000)
        else:
            tally.other_replies += 1
        if done < self.end:
            self._send()
        else:
            self._finish()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.tally.errors += 1
            self.done.set_result(None)


async def _panel(spec: LoadSpec, panel: _Panel, start: float, end: float) -> None:
    loop = asyncio.get_running_loop()
    try:
        transport, _ = await loop.create_connection(lambda: panel, "127.0.0.1", spec.port)
    except OSError:
        panel.tally.errors += 1
        return
    panel.start(transport, start + spec.warmup, end)
    await panel.done


async def _run(spec: LoadSpec, conn: Connection) -> dict[str, Any]:
    tally = PanelTally()
    clock = _Clock()
    start = time.monotonic()
    end = start + spec.warmup + spec.seconds
    panels = [_Panel(spec, a, tally, clock) for a in spec.accounts]
    tasks = [asyncio.create_task(_panel(spec, p, start, end)) for p in panels]
    await asyncio.sleep(spec.warmup)
    conn.send("measuring")  # the receiver takes its CPU snapshot now
    cpu0, t0 = time.process_time(), time.monotonic()
    await asyncio.gather(*tasks)
    cpu, measured = time.process_time() - cpu0, time.monotonic() - t0
    return {
        "sent": tally.sent,
        "acked": tally.acked,
        "other_replies": tally.other_replies,
        "errors": tally.errors,
        "measured_acks": tally.measured_acks,
        "measured_seconds": measured,
        "latencies_ms": tally.latencies_ms,
        "sends": tally.sends,
        "load_cpu_seconds": cpu,
    }


def panel_process(spec: LoadSpec, conn: Connection) -> None:
    """Entry point of the panel process: runs the load, sends "measuring" then the tally."""
    result = uvloop.run(_run(spec, conn))
    conn.send(result)
    conn.close()
