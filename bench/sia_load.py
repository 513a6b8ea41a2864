"""Simulated SIA DC-09 panels for bench/sia: closed loop, one frame in flight per panel.

Runs in its own (spawned) process so that the receiver's CPU is measured on its own. Each
panel keeps one TCP connection, sends a frame, waits for the reply frame and sends the next
one at once, as a real panel does, until the run's time is up.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import uvloop

from anfang.store.base import utcnow
from anfang.subsystems.home_alarm.adapters.sia_dc09 import SiaEvent, build_frame

RECEIVER, LINE = "1", "1"  # both receivers answer properly only when R and L are present


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


async def _panel(spec: LoadSpec, account: str, tally: PanelTally, start: float, end: float) -> None:
    measure_from = start + spec.warmup
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", spec.port)
    except OSError:
        tally.errors += 1
        return
    seq = 0
    event = SiaEvent(spec.code, zone="1", partition="1")
    try:
        while time.monotonic() < end:
            seq = seq % 9999 + 1
            frame = build_frame(
                account,
                [event],
                sequence=seq,
                receiver=RECEIVER,
                line=LINE,
                key=spec.key,
                timestamp=utcnow(),
            )
            sent_at = time.monotonic()
            if sent_at >= measure_from:
                tally.sends[f"{account}:{seq}"] = time.time_ns()
            writer.write(frame)
            tally.sent += 1
            reply = await asyncio.wait_for(reader.readuntil(b"\r"), 10.0)
            done = time.monotonic()
            if b'ACK"%04d' % seq in reply:
                tally.acked += 1
                if done >= measure_from:
                    tally.measured_acks += 1
                    tally.latencies_ms.append((done - sent_at) * 1000)
            else:
                tally.other_replies += 1
    except (OSError, TimeoutError, asyncio.IncompleteReadError):
        tally.errors += 1
    finally:
        writer.close()


async def _run(spec: LoadSpec, conn: Connection) -> dict[str, Any]:
    tally = PanelTally()
    start = time.monotonic()
    end = start + spec.warmup + spec.seconds
    tasks = [asyncio.create_task(_panel(spec, a, tally, start, end)) for a in spec.accounts]
    await asyncio.sleep(spec.warmup)
    conn.send("measuring")  # the receiver takes its CPU snapshot now
    await asyncio.gather(*tasks)
    measured = time.monotonic() - start - spec.warmup
    return {
        "sent": tally.sent,
        "acked": tally.acked,
        "other_replies": tally.other_replies,
        "errors": tally.errors,
        "measured_acks": tally.measured_acks,
        "measured_seconds": measured,
        "latencies_ms": tally.latencies_ms,
        "sends": tally.sends,
    }


def panel_process(spec: LoadSpec, conn: Connection) -> None:
    """Entry point of the panel process: runs the load, sends "measuring" then the tally."""
    result = uvloop.run(_run(spec, conn))
    conn.send(result)
    conn.close()
