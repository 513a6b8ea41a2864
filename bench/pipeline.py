"""Event-pipeline benchmark: submit → durable (group commit) → bus → WebSocket client.

``python -m bench.pipeline [--backend sqlite|postgresql|both] [--rate N] [--seconds S]``

This process runs the real platform and API (uvicorn on a free port) together with a
load generator playing many adapters; a console stand-in in a second process receives
the events over ``/api/v1/stream``. Without ``--rate`` the rate is stepped up until a step
fails (p99 over the limit, delivery under 95 % of the offered rate, or anything lost).
See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import multiprocessing
import secrets
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
import psycopg
import uvloop
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from sqlalchemy import func, select

from anfang.app.platform import Platform
from anfang.config import Settings
from anfang.store.models import EventRow
from bench import ws_client
from bench.api_server import serve_api
from bench.common import RESULTS_DIR, load_average, metadata, write_results
from bench.pipeline_load import (
    KIND,
    GcProbe,
    LoadGenerator,
    cpu_delta,
    cpu_snapshot,
    loop_lag_probe,
    metrics_delta,
    scrape_metrics,
)
from bench.pipeline_report import markdown, print_summary, step_stats

PG_ADMIN_URL = "postgresql://postgres:postgres@127.0.0.1:5432/postgres"
DEFAULT_RATES = (1000, 2000, 3000, 4000, 5000, 7500, 10000, 15000, 20000, 25000, 30000, 40000)
ADMIN_PASSWORD = "bench-" + secrets.token_urlsafe(12)


@dataclass
class Options:
    """How the benchmark runs."""

    backends: list[str]
    rates: list[int]
    seconds: float = 10.0
    warmup: float = 3.0
    adapters: int = 200
    mode: str = "task-per-event"
    max_p99_ms: float = 50.0
    min_delivered: float = 0.95
    sqlite_synchronous: str = "FULL"
    compression: str | None = "deflate"
    drain_timeout: float = 60.0
    writer_linger_ms: float | None = None
    pg_admin_url: str = PG_ADMIN_URL
    out: Path = field(default=RESULTS_DIR)
    quiet: bool = False


def _pg_exec(admin_url: str, sql: str) -> None:
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.encode())


@contextlib.asynccontextmanager
async def database(backend: str, tmp: Path, admin_url: str) -> AsyncIterator[str]:
    """A fresh database for one step: a SQLite file, or a new PostgreSQL database dropped after."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp / 'anfang.db'}"
        return
    name = f"anfang_bench_{secrets.token_hex(6)}"
    await asyncio.to_thread(_pg_exec, admin_url, f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        await asyncio.to_thread(
            _pg_exec, admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
        )


async def _recv(conn: Connection, within: float) -> tuple[str, Any]:
    def poll_and_recv() -> tuple[str, Any]:
        if not conn.poll(within):
            raise TimeoutError(f"WebSocket client said nothing for {within:.0f} s")
        try:
            got: tuple[str, Any] = conn.recv()
        except EOFError:
            raise RuntimeError("WebSocket client process ended without a result") from None
        return got

    msg = await asyncio.to_thread(poll_and_recv)
    if msg[0] == "error":
        raise RuntimeError(f"WebSocket client: {msg[1]}")
    return msg


async def run_step(
    backend: str, rate: int, opts: Options, progress: Progress, task: TaskID
) -> dict[str, Any]:
    """One measured run at ``rate`` events/s on a fresh database and platform."""
    with tempfile.TemporaryDirectory(prefix="anfang-bench-") as tmpdir:
        tmp = Path(tmpdir)
        async with database(backend, tmp, opts.pg_admin_url) as url:
            settings = Settings.model_validate(
                {
                    "data_dir": tmp,
                    "admin_password": ADMIN_PASSWORD,
                    "database_url": url,
                    "sqlite_synchronous": opts.sqlite_synchronous,
                    "sia_enabled": False,  # not measured here; bench/sia will
                    **(
                        {"writer_linger_ms": opts.writer_linger_ms}
                        if opts.writer_linger_ms is not None
                        else {}
                    ),
                }
            )
            platform = Platform(settings)
            await platform.start()  # which gc.freeze()s what start-up made, as in production
            try:
                return await _measure(backend, rate, opts, platform, progress, task)
            finally:
                await platform.stop()
                gc.unfreeze()  # the next step starts a fresh platform


async def _measure(
    backend: str, rate: int, opts: Options, platform: Platform, progress: Progress, task: TaskID
) -> dict[str, Any]:
    async with serve_api(platform) as port:
        return await _measure_on(port, backend, rate, opts, platform, progress, task)


async def _measure_on(
    port: int,
    backend: str,
    rate: int,
    opts: Options,
    platform: Platform,
    progress: Progress,
    task: TaskID,
) -> dict[str, Any]:
    run_id = secrets.token_hex(4)
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    cfg = ws_client.ClientConfig(
        port, "admin", ADMIN_PASSWORD, run_id, opts.drain_timeout, opts.compression
    )
    proc = ctx.Process(target=ws_client.run, args=(cfg, child), daemon=True, name="bench-ws")
    proc.start()
    child.close()  # so that the client's death reads as end-of-file here
    http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30)
    login = {"username": "admin", "password": ADMIN_PASSWORD}
    token = (await http.post("/api/v1/auth/token", json=login)).json()["access_token"]
    http.headers["Authorization"] = f"Bearer {token}"  # /metrics needs metrics.read
    lag: list[tuple[int, float]] = []
    prober = asyncio.create_task(loop_lag_probe(lag))
    gc_probe = GcProbe().__enter__()
    try:
        await _recv(parent, 60)
        # The first /metrics request costs ~80 ms of loop time (one-off start-up work);
        # pay it now, not inside the measured window.
        await scrape_metrics(http)
        total = int(rate * (opts.warmup + opts.seconds))
        gen = LoadGenerator(platform.pipeline, rate, total, opts.adapters, run_id, opts.mode)
        start = time.time_ns() + 300_000_000
        w0, w1 = start + int(opts.warmup * 1e9), start + int((opts.warmup + opts.seconds) * 1e9)
        loader = asyncio.create_task(gen.run(start))
        pg = backend == "postgresql"
        snaps: dict[str, Any] = {}

        async def sample() -> None:
            await asyncio.sleep(max(0.0, (w0 - time.time_ns()) / 1e9))
            snaps["cpu0"], snaps["m0"] = cpu_snapshot(proc.pid, pg), await scrape_metrics(http)
            await asyncio.sleep(max(0.0, (w1 - time.time_ns()) / 1e9))
            snaps["cpu1"], snaps["m1"] = cpu_snapshot(proc.pid, pg), await scrape_metrics(http)

        sampler = asyncio.create_task(sample())
        span = opts.warmup + opts.seconds
        while not (loader.done() and sampler.done()):
            elapsed = max(0.0, (time.time_ns() - start) / 1e9)
            phase = "warm-up" if elapsed < opts.warmup else "measuring"
            status = f"{phase}: acked {gen.acked:,}  in flight {gen.in_flight:,}"
            progress.update(task, completed=min(elapsed, span), status=status)
            progress.refresh()
            await asyncio.sleep(0.5)
        loader.result()
        sampler.result()
        progress.update(task, completed=span, status=f"draining {gen.in_flight:,} in flight")
        progress.refresh()
        drained = await gen.drain(opts.drain_timeout)
        with platform.read_session() as session:
            stored = session.scalar(
                select(func.count()).select_from(EventRow).where(EventRow.kind == KIND)
            )
        parent.send(("expect", gen.acked))
        _, client = await _recv(parent, opts.drain_timeout + 30)
    finally:
        gc_probe.__exit__()
        prober.cancel()
        await http.aclose()
        proc.join(10)
        if proc.is_alive():
            proc.kill()
    window_lag = [ms for t, ms in lag if w0 <= t <= w1]
    return step_stats(
        backend=backend,
        rate=rate,
        gen=gen,
        client=client,
        stored=int(stored or 0),
        drained=drained,
        window=(w0, w1),
        cpu=cpu_delta(snaps["cpu0"], snaps["cpu1"]),
        writer=metrics_delta(snaps["m0"], snaps["m1"]),
        loop_lag_ms=window_lag,
        gc=gc_probe.summary(w0, w1, (w1 - w0) / 1e9),
    )


def _passes(step: dict[str, Any], opts: Options) -> bool:
    p99 = step["latency_ms"]["submit_to_websocket"]["p99"]
    return bool(
        step["lost"]["total"] == 0
        and step["websocket"]["error"] is None
        and step["failed_submissions"] == 0
        and p99 is not None
        and p99 <= opts.max_p99_ms
        and step["rates"]["delivered"] >= opts.min_delivered * step["rates"]["offered"]
    )


async def run(opts: Options, console: Console) -> dict[str, Any]:
    """Run every backend's steps; returns the whole result document."""
    result: dict[str, Any] = {
        "benchmark": "pipeline",
        **metadata(),
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(opts).items()},
        "backends": {},
    }
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[status]}"),
    )
    with Progress(*columns, console=console, auto_refresh=False, disable=opts.quiet) as progress:
        for backend in opts.backends:
            steps: list[dict[str, Any]] = []
            best: int | None = None
            for rate in opts.rates:
                task = progress.add_task(
                    f"{backend} {rate:>6,}/s", total=opts.warmup + opts.seconds, status="starting"
                )
                step = await run_step(backend, rate, opts, progress, task)
                step["passed"] = _passes(step, opts)
                step["load_average_after"] = load_average()
                steps.append(step)
                lat = step["latency_ms"]["submit_to_websocket"]
                verdict = "pass" if step["passed"] else "FAIL"
                line = (
                    f"{verdict}: delivered {step['rates']['delivered']:,.0f}/s, "
                    f"p99 {lat['p99']} ms, lost {step['lost']['total']}"
                )
                progress.update(task, status=line)
                progress.refresh()
                if not console.is_terminal:  # no live display there: one line per step
                    console.print(f"{backend} {rate:,}/s {line}")
                if not step["passed"]:
                    break
                best = rate
            result["backends"][backend] = {"steps": steps, "max_sustainable_rate": best}
    return result


def parse_args(argv: list[str] | None = None) -> Options:
    """Options from the command line."""
    p = argparse.ArgumentParser(prog="python -m bench.pipeline", description=__doc__.split("\n")[0])
    p.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    p.add_argument("--rate", type=int, help="one step at this rate (default: step search)")
    p.add_argument("--rates", help="comma-separated rates to step through")
    p.add_argument("--seconds", type=float, default=10.0, help="measured seconds per step")
    p.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds first")
    p.add_argument("--adapters", type=int, default=200, help="distinct event sources")
    p.add_argument(
        "--mode",
        choices=("connections", "task-per-event"),
        default="task-per-event",
        help="one task per event (default) or one task per adapter awaiting each answer",
    )
    p.add_argument("--max-p99-ms", type=float, default=50.0)
    p.add_argument("--sqlite-synchronous", choices=["FULL", "NORMAL", "EXTRA"], default="FULL")
    p.add_argument("--no-compression", action="store_true", help="no permessage-deflate")
    p.add_argument(
        "--writer-linger-ms",
        type=float,
        default=None,
        help="group-commit wait (default: the setting's default)",
    )
    p.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    p.add_argument("--out", type=Path, default=RESULTS_DIR, help="where result files go")
    p.add_argument("--quiet", action="store_true", help="no progress display")
    a = p.parse_args(argv)
    if a.rate is not None:
        rates = [a.rate]
    elif a.rates:
        rates = [int(r) for r in a.rates.split(",")]
    else:
        rates = list(DEFAULT_RATES)
    return Options(
        backends=["sqlite", "postgresql"] if a.backend == "both" else [a.backend],
        rates=rates,
        seconds=a.seconds,
        warmup=a.warmup,
        adapters=a.adapters,
        mode=a.mode,
        max_p99_ms=a.max_p99_ms,
        sqlite_synchronous=a.sqlite_synchronous,
        compression=None if a.no_compression else "deflate",
        writer_linger_ms=a.writer_linger_ms,
        pg_admin_url=a.pg_admin_url,
        out=a.out,
        quiet=a.quiet,
    )


def main(argv: list[str] | None = None) -> list[Path]:
    """Run the benchmark and write its result files; returns their paths."""
    opts = parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    console = Console(stderr=True, quiet=opts.quiet)
    # uvicorn serves on uvloop in production (``loop="auto"``); measure the same loop.
    result = uvloop.run(run(opts, console))
    paths = write_results("pipeline", result, markdown(result), opts.out)
    print_summary(result, console)
    console.print(f"results: {', '.join(str(p) for p in paths)}")
    return paths


if __name__ == "__main__":
    main()
