"""What every benchmark records: machine, date, commit, CPU times, percentiles, result files;
and the one shape of a benchmark's command (options, run, write, print)."""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import subprocess
import sys
import threading
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

RESULTS_DIR = Path(__file__).resolve().parent / "results"
_CLK_TCK = os.sysconf("SC_CLK_TCK")


def now() -> datetime:
    """The current time in the machine's local timezone (always timezone-aware)."""
    return datetime.now(UTC).astimezone()


def machine_info() -> dict[str, Any]:
    """CPU model, core count, memory and Python of the machine running the benchmark."""
    cpu_model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.partition(":")[2].strip()
                break
    except OSError:
        pass
    ram_bytes = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_bytes = int(line.split()[1]) * 1024
                break
    except OSError:
        pass
    return {
        "cpu_model": cpu_model,
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)),
        "ram_gib": round(ram_bytes / 2**30, 1),
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "os": f"{platform.system()} {platform.release()}",
        "hostname": platform.node(),
    }


def git_info(repo: Path | None = None) -> dict[str, Any]:
    """The commit being measured and whether the working tree differs from it."""
    cwd = repo or Path(__file__).resolve().parent.parent

    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(
                ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=True
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout.strip()

    status = git("status", "--porcelain", "--untracked-files=no")
    return {
        "commit": git("rev-parse", "HEAD"),
        "dirty": None if status is None else bool(status),
        "branch": git("rev-parse", "--abbrev-ref", "HEAD"),
    }


def process_cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU seconds used so far by a process (all its threads)."""
    return _stat_cpu(Path(f"/proc/{pid}/stat"))


def thread_cpu_seconds(native_id: int) -> float:
    """User + system CPU seconds used so far by one thread of this process."""
    return _stat_cpu(Path(f"/proc/self/task/{native_id}/stat"))


def platform_threads_cpu_seconds() -> dict[str, float]:
    """CPU seconds so far of this process's anfang writer thread and event-loop thread."""
    out: dict[str, float] = {}
    for thread in threading.enumerate():
        if thread.native_id is None:
            continue
        if thread.name == "anfang-writer":
            out["writer_thread"] = thread_cpu_seconds(thread.native_id)
        elif thread is threading.main_thread():
            out["event_loop_thread"] = thread_cpu_seconds(thread.native_id)
    return out


def processes_cpu_seconds(command: str) -> float:
    """CPU seconds of every process whose command name is ``command`` (e.g. ``postgres``)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() == command:
                total += _stat_cpu(entry / "stat")
        except OSError:  # the process ended while we looked
            continue
    return total


def _stat_cpu(path: Path) -> float:
    # Field 2 (comm) may contain spaces; everything after its closing parenthesis is fixed.
    fields = path.read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK


def percentile(sorted_values: Sequence[float], q: float) -> float | None:
    """The ``q`` (0–100) percentile of already sorted values, nearest-rank method."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def latency_summary(values_ms: list[float]) -> dict[str, float | int | None]:
    """Count, mean and p50/p95/p99/max of latencies in milliseconds."""
    values = sorted(values_ms)

    def r(v: float | None) -> float | None:
        return None if v is None else round(v, 3)

    return {
        "count": len(values),
        "mean": r(sum(values) / len(values)) if values else None,
        "p50": r(percentile(values, 50)),
        "p95": r(percentile(values, 95)),
        "p99": r(percentile(values, 99)),
        "max": r(values[-1] if values else None),
    }


def write_results(name: str, data: dict[str, Any], markdown: str, out_dir: Path) -> list[Path]:
    """Write ``<name>-<timestamp>.json`` and ``.md`` under ``out_dir``; returns both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = now().strftime("%Y-%m-%d-%H%M%S")
    json_path = out_dir / f"{name}-{stamp}.json"
    md_path = out_dir / f"{name}-{stamp}.md"
    json_path.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")
    md_path.write_text(markdown, encoding="utf-8")
    return [json_path, md_path]


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages: other work on the machine skews results."""
    return [round(v, 2) for v in os.getloadavg()]


def metadata() -> dict[str, Any]:
    """The header every result file carries."""
    return {
        "date": now().isoformat(),
        "machine": machine_info(),
        "git": git_info(),
        "load_average_at_start": load_average(),
    }


Row = tuple[str, str, str]  # measure, value, target


def result_page(
    title: str,
    meta: dict[str, Any],
    rows: Sequence[Row],
    *,
    intro: Sequence[str] = (),
    tail: Sequence[str] = (),
) -> str:
    """A result as a page: the title, date · machine · commit, ``intro`` paragraphs, the
    measure | value | target table, then ``tail`` paragraphs."""
    m = meta["machine"]
    commit = str(meta["git"].get("commit", "?"))[:10]
    stamp = f"{meta['date']} · {m['cpu_model']} · {m['cores_usable']} cores · {commit}"
    lines = [f"# {title}", "", stamp, ""]
    for text in intro:
        lines += [text, ""]
    lines += ["| measure | value | target |", "|---|---|---|"]
    lines += [f"| {a} | {v} | {t} |" for a, v, t in rows]
    for text in tail:
        lines += ["", text]
    return "\n".join([*lines, ""])


def bench_main(
    name: str,
    doc: str | None,
    argv: list[str] | None,
    options: Sequence[tuple[str, dict[str, Any]]],
    run: Callable[[argparse.Namespace], Coroutine[Any, Any, dict[str, Any]]],
    markdown: Callable[[dict[str, Any], dict[str, Any]], str],
    *,
    missing: Callable[[], str | None] | None = None,
) -> list[Path]:
    """A benchmark's command: its ``options`` plus ``--out`` and ``--quiet``; one line and
    no result when ``missing()`` names something it needs; else run, write
    ``<out>/<name>-*.{json,md}`` with :func:`metadata`, print the page, return the paths."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    for flag, kwargs in options:
        ap.add_argument(flag, **kwargs)
    ap.add_argument("--out", type=Path, default=RESULTS_DIR)
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    why = missing() if missing is not None else None
    if why:
        print(f"bench.{name}: {why}", file=sys.stderr)
        return []
    meta = metadata()
    res = asyncio.run(run(args))
    md = markdown(meta, res)
    paths = write_results(name, {**meta, **res}, md, args.out)
    if not args.quiet:
        print(md)
    return paths
