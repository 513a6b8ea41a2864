"""SIA DC-09 receiver benchmark: anfang (persisting before ACK) against pysiaalarm.

``python -m bench.sia [--panels N] [--seconds S] [--warmup W] [--repeat R]``

N simulated panels in a separate process each send one frame, wait for the reply and send
the next (closed loop), plain and AES-128, to a real anfang Platform (every ACK only after
the event is durable in SQLite) and, on the same load, to pysiaalarm's asyncio TCP
receiver (Home Assistant's library: ACKs, persists nothing). Each case runs R times; in
each repetition the two receivers are measured back to back (the first alternating) and
their ratio is taken, because this shared host's speed drifts between runs. While anfang
is measured a console stand-in (bench/sia_ws.py, its own process) is connected to
``/api/v1/stream``: frame → console latency is the time from the panel sending a frame to
that event arriving over the WebSocket. The panel process's own CPU is recorded too, to
show that it was not the bottleneck. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import tempfile
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from functools import partial
from pathlib import Path
from typing import Any

import uvloop
from sqlalchemy import func, select

from anfang.app.platform import Platform
from anfang.store.models import EventRow
from bench import sia_probe
from bench.common import RESULTS_DIR, latency_summary, metadata, process_cpu_seconds, write_results
from bench.sia_load import LoadSpec, panel_process
from bench.sia_receivers import (
    KEY,
    MAX_PANELS,
    MODES,
    Callbacks,
    accounts_for,
    anfang_receiver,
    arrivals_of,
    console,
    console_latency,
    front_pid,
    pysia_receiver,
)
from bench.sia_report import markdown, summarize, targets

RECEIVERS = ("anfang", "pysiaalarm")
MAX_REPEAT = 16


def _spec(
    mode: str, panels: int, seconds: float, warmup: float, code: str, rep: int
) -> dict[str, Any]:
    key = KEY if mode == "aes128" else None
    spec = {"accounts": accounts_for(mode, panels, rep), "key": key, "seconds": seconds}
    return spec | {"warmup": warmup, "code": code}


Counters = dict[str, float]
Probe = Callable[[], Counters]


def receiver_cpu() -> Counters:
    """This process's CPU so far (the probe for pysiaalarm, which runs in it)."""
    return {"receiver_cpu": process_cpu_seconds()}


async def _drive(
    port: int, spec_args: dict[str, Any], probe: Probe
) -> tuple[dict[str, Any], Counters, Counters]:
    """Run the panel process against ``port``; its tally, and ``probe`` read at the start
    and the end of the measured window (``receiver_cpu`` among its counters)."""
    ctx = multiprocessing.get_context("spawn")
    ours, theirs = ctx.Pipe()
    proc = ctx.Process(target=panel_process, args=(LoadSpec(port=port, **spec_args), theirs))
    proc.start()
    loop = asyncio.get_running_loop()
    try:
        await loop.run_in_executor(None, ours.recv)  # "measuring": warm-up is over
        before = probe()
        tally: dict[str, Any] = await loop.run_in_executor(None, ours.recv)
        after = probe()
    finally:
        await loop.run_in_executor(None, proc.join, 30)
    return tally, before, after


def _case(
    tally: dict[str, Any], before: Counters, after: Counters, stored: int, stored_label: str
) -> dict[str, Any]:
    secs = tally["measured_seconds"]
    cpu = after["receiver_cpu"] - before["receiver_cpu"]
    return {
        "msgs_per_s": round(tally["measured_acks"] / secs, 1),
        "ack_latency_ms": latency_summary(tally["latencies_ms"]),
        "receiver_cpu_seconds": round(cpu, 3),
        "receiver_cpu_share": round(cpu / secs, 3),
        # The panels' own process: near a whole core, it (not the receiver) set the pace.
        "load_cpu_seconds": round(tally["load_cpu_seconds"], 3),
        "load_cpu_share": round(tally["load_cpu_seconds"] / secs, 3),
        "receiver_cpu_us_per_msg": round(cpu / max(tally["measured_acks"], 1) * 1e6, 1),
        "counts": {k: tally[k] for k in ("sent", "acked", "other_replies", "errors")}
        | {stored_label: stored},
        "lost": max(0, tally["acked"] - stored),
    }


Runs = dict[str, dict[str, list[dict[str, Any]]]]
Case = Callable[[str, int], Awaitable[dict[str, Any]]]


async def run_all(
    panels: int,
    seconds: float,
    warmup: float,
    code: str,
    receivers: tuple[str, ...] = RECEIVERS,
    modes: tuple[str, ...] = MODES,
    repeat: int = 1,
) -> Runs:
    """Every case ``repeat`` times; per receiver and mode, the list of runs.

    Both receivers stay up for the whole benchmark. In each repetition and mode anfang
    and pysiaalarm are measured back to back, the first of the two alternating between
    repetitions, so that the host's speed drifting over minutes (a third between
    consecutive runs on this shared machine) moves both sides of a ratio alike.
    """
    runs: Runs = {name: {mode: [] for mode in modes} for name in receivers}
    args = (panels, seconds, warmup, code)
    total, done = repeat * len(modes) * len(receivers), 0
    async with AsyncExitStack() as stack:
        sides: dict[str, Case] = {}
        if "anfang" in receivers:
            tmpdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="anfang-bench-sia-"))
            receiver = anfang_receiver(Path(tmpdir), panels, repeat)
            port, platform = await stack.enter_async_context(receiver)
            sides["anfang"] = partial(_anfang_case, platform, port, *args)
        if "pysiaalarm" in receivers:
            counter = Callbacks()
            peer = pysia_receiver(panels, counter.on_event, repeat)
            pport = await stack.enter_async_context(peer)
            sides["pysiaalarm"] = partial(_pysia_case, counter, pport, *args)
        for r in range(repeat):
            order = list(sides) if r % 2 == 0 else list(reversed(sides))
            for mode in modes:
                for name in order:
                    case = await sides[name](mode, r)
                    runs[name][mode].append(case)
                    done += 1
                    print(  # progress: a full run takes minutes
                        f"[{done}/{total}] {name} {mode}: {case['msgs_per_s']:,.0f} msg/s, "
                        f"ACK p99 {case['ack_latency_ms']['p99']} ms",
                        file=sys.stderr,
                        flush=True,
                    )
    return runs


async def _anfang_case(
    platform: Platform,
    port: int,
    panels: int,
    seconds: float,
    warmup: float,
    code: str,
    mode: str,
    rep: int,
) -> dict[str, Any]:
    # Only this case's accounts: the burglary alarms that earlier cases raised escalate,
    # unacknowledged, during later ones (an `alarm.escalated` event for each, from the
    # earlier account), which "rows after − rows before" would count here.
    sources = [f"SIA-{a}" for a in accounts_for(mode, panels, rep)]
    query = select(func.count(EventRow.id)).where(EventRow.source.in_(sources))
    async with console(platform) as pipe:
        spec = _spec(mode, panels, seconds, warmup, code, rep)
        probe = partial(sia_probe.counters, front_pid(platform))
        tally, before, after = await _drive(port, spec, probe)
        arrivals = await arrivals_of(pipe)
    with platform.read_session() as s:
        rows = s.scalar(query) or 0
    case = _case(tally, before, after, rows, "rows_in_db")
    case["console"] = console_latency(tally, arrivals)
    secs, acks = tally["measured_seconds"], tally["measured_acks"]
    case["stages"] = sia_probe.figures(before, after, secs, acks)
    return case


async def _pysia_case(
    counter: Callbacks,
    port: int,
    panels: int,
    seconds: float,
    warmup: float,
    code: str,
    mode: str,
    rep: int,
) -> dict[str, Any]:
    counter.events = 0
    spec = _spec(mode, panels, seconds, warmup, code, rep)
    tally, before, after = await _drive(port, spec, receiver_cpu)
    return _case(tally, before, after, counter.events, "callbacks")


def main(argv: list[str] | None = None) -> list[Path]:
    """Run the benchmark; returns the JSON and Markdown result paths."""
    ap = argparse.ArgumentParser(prog="python -m bench.sia", description=__doc__)
    ap.add_argument("--panels", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--warmup", type=float, default=2.0)
    ap.add_argument("--code", default="BA", help="SIA event code the panels send")
    ap.add_argument("--out", type=Path, default=RESULTS_DIR)
    ap.add_argument(
        "--receivers", default=",".join(RECEIVERS), help="which to run (profiling: anfang)"
    )
    ap.add_argument("--modes", default=",".join(MODES), help="plain, aes128 or both")
    ap.add_argument(
        "--repeat", type=int, default=3, help="repetitions, anfang and pysiaalarm interleaved"
    )
    args = ap.parse_args(argv)
    receivers_wanted = tuple(r for r in RECEIVERS if r in args.receivers.split(","))
    modes = tuple(m for m in MODES if m in args.modes.split(","))
    data: dict[str, Any] = {"benchmark": "sia", **metadata()}
    data["options"] = {"panels": args.panels, "seconds": args.seconds, "warmup": args.warmup}
    if not 1 <= args.repeat <= MAX_REPEAT:
        ap.error(f"--repeat must be between 1 and {MAX_REPEAT}")
    if not 1 <= args.panels <= MAX_PANELS:
        ap.error(f"--panels must be between 1 and {MAX_PANELS}")
    data["options"] |= {"code": args.code, "receivers": receivers_wanted, "modes": modes}
    data["options"]["repeat"] = args.repeat
    runs = uvloop.run(
        run_all(
            args.panels,
            args.seconds,
            args.warmup,
            args.code,
            receivers_wanted,
            modes,
            args.repeat,
        )
    )
    data["receivers"] = summarize(runs)
    data["targets"] = targets(runs)
    report = markdown(data)
    paths = write_results("sia", data, report, args.out)
    print(report)
    return paths


if __name__ == "__main__":
    main()
