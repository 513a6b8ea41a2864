"""SIA DC-09 receiver benchmark: anfang (persisting before ACK) against pysiaalarm.

``python -m bench.sia [--panels N] [--seconds S] [--warmup W]``

N simulated panels in a separate process each send one frame, wait for the reply and send
the next (closed loop), plain and AES-128, first to a real anfang Platform (every ACK only
after the event is durable in SQLite) and then, on the same load, to pysiaalarm's asyncio
TCP receiver (Home Assistant's library: ACKs, persists nothing). While anfang is measured
a console stand-in (bench/sia_ws.py, its own process) is connected to ``/api/v1/stream``:
frame → console latency is the time from the panel sending a frame to that event arriving
over the WebSocket. The panel process's own CPU is recorded too, to show that it was not
the bottleneck. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import secrets
import socket
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast

import uvicorn
import uvloop
from pysiaalarm.account import SIAAccount
from pysiaalarm.aio.client import SIAClient, SIAClientTCP
from pysiaalarm.event import SIAEvent
from sqlalchemy import func, select

from anfang.api.app import create_app
from anfang.config import Settings
from anfang.core.platform import Platform
from anfang.store.models import EventRow
from anfang.subsystems.home_alarm.models import AccountCreate
from anfang.subsystems.home_alarm.service import create_account
from bench.common import RESULTS_DIR, latency_summary, metadata, process_cpu_seconds, write_results
from bench.sia_load import LoadSpec, panel_process
from bench.sia_ws import WsConfig
from bench.sia_ws import run as ws_run

KEY_TEXT = "0123456789ABCDEF"  # pysiaalarm takes these 16 characters' bytes as the AES key
KEY = KEY_TEXT.encode("ascii")
ADMIN_PASSWORD = "bench-" + secrets.token_urlsafe(12)
MODES = ("plain", "aes128")
RECEIVERS = ("anfang", "pysiaalarm")


def accounts_for(mode: str, panels: int) -> list[str]:
    """One account number (hex) per panel; plain and encrypted panels never share one."""
    base = 0x10000 if mode == "plain" else 0x20000
    return [f"{base + i:X}" for i in range(panels)]


def _spec(mode: str, panels: int, seconds: float, warmup: float, code: str) -> dict[str, Any]:
    key = KEY if mode == "aes128" else None
    spec = {"accounts": accounts_for(mode, panels), "key": key, "seconds": seconds}
    return spec | {"warmup": warmup, "code": code}


async def _drive(
    port: int, spec_args: dict[str, Any], helpers: tuple[int, ...] = ()
) -> tuple[dict[str, Any], float]:
    """Run the panel process against ``port``; its tally and receiver CPU while measuring.

    The receiver's CPU is this process's and that of its ``helpers`` (anfang's SIA front
    process), so that work moved to another process still counts.
    """
    ctx = multiprocessing.get_context("spawn")
    ours, theirs = ctx.Pipe()
    proc = ctx.Process(target=panel_process, args=(LoadSpec(port=port, **spec_args), theirs))
    proc.start()
    loop = asyncio.get_running_loop()
    try:
        await loop.run_in_executor(None, ours.recv)  # "measuring": warm-up is over
        cpu0 = process_cpu_seconds() + sum(process_cpu_seconds(pid) for pid in helpers)
        tally: dict[str, Any] = await loop.run_in_executor(None, ours.recv)
        cpu = process_cpu_seconds() + sum(process_cpu_seconds(pid) for pid in helpers) - cpu0
    finally:
        await loop.run_in_executor(None, proc.join, 30)
    return tally, cpu


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def console(platform: Platform) -> AsyncIterator[Any]:
    """Serve the API on a free port and connect the console stand-in; yields its pipe."""
    port = _free_port()
    app = create_app(platform.settings, platform=platform)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            serving.result()
        await asyncio.sleep(0.02)
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(
        target=ws_run, args=(WsConfig(port, "admin", ADMIN_PASSWORD), child), daemon=True
    )
    proc.start()
    child.close()
    loop = asyncio.get_running_loop()
    try:
        kind, detail = await loop.run_in_executor(None, parent.recv)
        if kind != "ready":
            raise RuntimeError(f"console stand-in: {detail}")
        yield parent
    finally:
        proc.join(timeout=0.1)
        if proc.is_alive():
            proc.kill()
        server.should_exit = True
        await serving


async def arrivals_of(pipe: Any) -> dict[str, int]:
    """Tell the console stand-in to stop; what it saw (``account:seq`` -> ns)."""
    loop = asyncio.get_running_loop()
    pipe.send("stop")
    kind, detail = await loop.run_in_executor(None, pipe.recv)
    if kind != "result":
        raise RuntimeError(f"console stand-in: {detail}")
    result: dict[str, int] = detail
    return result


@asynccontextmanager
async def anfang_receiver(tmp: Path, panels: int) -> AsyncIterator[tuple[int, Platform]]:
    """A started Platform with plain and AES-128 accounts; yields its SIA TCP port."""
    settings = Settings.model_validate(
        {"data_dir": tmp, "admin_password": ADMIN_PASSWORD, "sia_port": 0}
    )
    platform = Platform(settings)
    await platform.start()
    try:
        assert platform.sia is not None
        for mode in MODES:
            key = KEY.hex() if mode == "aes128" else None
            for acct in accounts_for(mode, panels):
                await create_account(platform, "bench", AccountCreate(account=acct, key=key))
        yield platform.sia.tcp_port, platform
    finally:
        await platform.stop()
        gc.unfreeze()  # Platform.start() froze what start-up made


@asynccontextmanager
async def pysia_receiver(
    panels: int, on_event: Callable[[SIAEvent], Awaitable[None]]
) -> AsyncIterator[int]:
    """pysiaalarm's asyncio TCP receiver with the same accounts; yields its port."""
    accounts = [SIAAccount(a, None) for a in accounts_for("plain", panels)]
    accounts += [SIAAccount(a, KEY_TEXT) for a in accounts_for("aes128", panels)]
    # SIAClient.__new__ picks the TCP subclass; calling the subclass itself fails there.
    client = cast(SIAClientTCP, SIAClient("127.0.0.1", 0, accounts, function=on_event))  # type: ignore[abstract]
    await client.async_start()
    try:
        assert client.server is not None
        yield int(client.server.sockets[0].getsockname()[1])
    finally:
        await client.async_stop()


def console_latency(tally: dict[str, Any], arrivals: dict[str, int]) -> dict[str, Any]:
    """Frame → console latencies of the measured frames, and how many never arrived."""
    sends: dict[str, int] = tally["sends"]
    lat = [(arrivals[k] - t) / 1e6 for k, t in sends.items() if k in arrivals]
    return {"latency_ms": latency_summary(lat), "missing": len(sends) - len(lat)}


def _case(tally: dict[str, Any], cpu: float, stored: int, stored_label: str) -> dict[str, Any]:
    secs = tally["measured_seconds"]
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


async def run_all(
    panels: int,
    seconds: float,
    warmup: float,
    code: str,
    receivers: tuple[str, ...] = RECEIVERS,
    modes: tuple[str, ...] = MODES,
) -> dict[str, Any]:
    """Every case: anfang then pysiaalarm, plain then AES-128, on the same load."""
    results: dict[str, dict[str, Any]] = {name: {} for name in receivers}
    if "anfang" in receivers:
        await _run_anfang(results["anfang"], panels, seconds, warmup, code, modes)
    if "pysiaalarm" in receivers:
        await _run_pysia(results["pysiaalarm"], panels, seconds, warmup, code, modes)
    return results


async def _run_anfang(
    results: dict[str, Any],
    panels: int,
    seconds: float,
    warmup: float,
    code: str,
    modes: tuple[str, ...],
) -> None:
    with tempfile.TemporaryDirectory(prefix="anfang-bench-sia-") as tmpdir:
        async with anfang_receiver(Path(tmpdir), panels) as (port, platform):
            query = select(func.count(EventRow.id)).where(EventRow.source.like("SIA-%"))
            for mode in modes:
                with platform.read_session() as s:
                    before = s.scalar(query) or 0
                helpers = _front_pids(platform)
                async with console(platform) as pipe:
                    tally, cpu = await _drive(
                        port, _spec(mode, panels, seconds, warmup, code), helpers
                    )
                    arrivals = await arrivals_of(pipe)
                with platform.read_session() as s:
                    rows = (s.scalar(query) or 0) - before
                case = _case(tally, cpu, rows, "rows_in_db")
                case["console"] = console_latency(tally, arrivals)
                results[mode] = case


def _front_pids(platform: Platform) -> tuple[int, ...]:
    """The SIA front process's pid, when it runs (its CPU is the receiver's too)."""
    front = platform.sia.front if platform.sia is not None else None
    proc = front.process if front is not None else None
    return (proc.pid,) if proc is not None and proc.pid is not None else ()


async def _run_pysia(
    results: dict[str, Any],
    panels: int,
    seconds: float,
    warmup: float,
    code: str,
    modes: tuple[str, ...],
) -> None:
    events = 0

    async def on_event(event: SIAEvent) -> None:
        nonlocal events
        events += 1

    async with pysia_receiver(panels, on_event) as port:
        for mode in modes:
            events = 0
            tally, cpu = await _drive(port, _spec(mode, panels, seconds, warmup, code))
            results[mode] = _case(tally, cpu, events, "callbacks")


def markdown(data: dict[str, Any]) -> str:
    """The result as a Markdown report."""
    m, g, o = data["machine"], data["git"], data["options"]
    lines = [
        f"# SIA DC-09 receivers — {data['date']}",
        "",
        f"{m['cpu_model']}, {m['cores']} cores, Python {m['python']}; commit "
        f"{(g['commit'] or '?')[:12]}{' (dirty)' if g['dirty'] else ''}; load average "
        f"{data['load_average_at_start']}. {o['panels']} panels, closed loop, "
        f"{o['seconds']} s measured after {o['warmup']} s warm-up, event code {o['code']}.",
        "",
        "| receiver | mode | msg/s | ACK p50 ms | p95 | p99 | receiver CPU | CPU µs/msg | "
        "panels' CPU | sent | acked | stored | lost |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, cases in data["receivers"].items():
        for mode, c in cases.items():
            lat, n = c["ack_latency_ms"], c["counts"]
            stored = n.get("rows_in_db", n.get("callbacks"))
            lines.append(
                f"| {name} | {mode} | {c['msgs_per_s']} | {lat['p50']} | {lat['p95']} | "
                f"{lat['p99']} | {c['receiver_cpu_share']:.0%} | {c['receiver_cpu_us_per_msg']} | "
                f"{c['load_cpu_share']:.0%} | {n['sent']} | {n['acked']} | {stored} | {c['lost']} |"
            )
    lines += [
        "",
        "Receiver CPU: the receiver's processes (anfang: event loop, writer, WAL checkpoints and "
        "the console's WebSocket, plus the SIA front process when it runs). Panels' CPU: the "
        "load process's own share of one core; near 100 % the panels, not the receiver, would "
        "set the pace.",
        "",
        "Frame → console (panel sends the frame → the event arrives on `/api/v1/stream`):",
        "",
        "| mode | p50 ms | p95 | p99 | max | measured | never arrived |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for mode, c in data["receivers"].get("anfang", {}).items():
        lat = c["console"]["latency_ms"]
        lines.append(
            f"| {mode} | {lat['p50']} | {lat['p95']} | {lat['p99']} | {lat['max']} | "
            f"{lat['count']} | {c['console']['missing']} |"
        )
    lines += [
        "",
        "| mode | anfang / pysiaalarm throughput (≥ 2) | ACK p99 ≤ 20 ms | console p99 ≤ 100 ms |",
        "|---|---:|---|---|",
    ]
    for mode, t in data["targets"].items():
        lines.append(
            f"| {mode} | {t['throughput_ratio']} | {t['p99_ok']} | {t['console_p99_ok']} |"
        )
    return "\n".join(lines) + "\n"


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
    args = ap.parse_args(argv)
    receivers_wanted = tuple(r for r in RECEIVERS if r in args.receivers.split(","))
    modes = tuple(m for m in MODES if m in args.modes.split(","))
    data: dict[str, Any] = {"benchmark": "sia", **metadata()}
    data["options"] = {"panels": args.panels, "seconds": args.seconds, "warmup": args.warmup}
    data["options"] |= {"code": args.code, "receivers": receivers_wanted, "modes": modes}
    data["receivers"] = receivers = uvloop.run(
        run_all(args.panels, args.seconds, args.warmup, args.code, receivers_wanted, modes)
    )
    data["targets"] = (
        {}
        if len(receivers) < 2
        else {
            mode: {
                "throughput_ratio": round(
                    receivers["anfang"][mode]["msgs_per_s"]
                    / max(receivers["pysiaalarm"][mode]["msgs_per_s"], 1e-9),
                    2,
                ),
                "p99_ok": (receivers["anfang"][mode]["ack_latency_ms"]["p99"] or 1e9) <= 20.0,
                "console_p99_ok": (receivers["anfang"][mode]["console"]["latency_ms"]["p99"] or 1e9)
                <= 100.0,
            }
            for mode in modes
        }
    )
    report = markdown(data)
    paths = write_results("sia", data, report, args.out)
    print(report)
    return paths


if __name__ == "__main__":
    main()
