"""Where anfang's time goes during a bench/sia case: its writer, event loop and front process.

Cumulative counters are read at the start and the end of the measured window (CPU from
/proc, the writer's histograms from this process's Prometheus registry); the difference
shows which stage is busy. With the writer's ``_apply`` busy most of the window, the single
writer sets the pace (docs/benchmarks.md, "Where the ceiling is").
"""

from __future__ import annotations

from prometheus_client import REGISTRY

from bench.common import platform_threads_cpu_seconds, process_cpu_seconds

_METRICS = {
    "commit_seconds": "anfang_writer_commit_seconds_sum",
    "batches": "anfang_writer_commit_seconds_count",
    "jobs": "anfang_writer_batch_size_sum",
}


def counters(front_pid: int | None) -> dict[str, float]:
    """Cumulative figures now: the receiver's CPU (this process and the front process),
    writer thread, event loop and front CPU, and the writer's histograms."""
    out = {key: REGISTRY.get_sample_value(name) or 0.0 for key, name in _METRICS.items()}
    out |= platform_threads_cpu_seconds()
    out["receiver_cpu"] = process_cpu_seconds()
    if front_pid is not None:
        out["front_cpu"] = process_cpu_seconds(front_pid)
        out["receiver_cpu"] += out["front_cpu"]
    return out


def figures(
    before: dict[str, float], after: dict[str, float], seconds: float, acks: int
) -> dict[str, float | None]:
    """The measured window's shares of one core, the writer's batches and time per event."""

    def delta(key: str) -> float:
        return after.get(key, 0.0) - before.get(key, 0.0)

    def share(key: str) -> float | None:
        return round(delta(key) / seconds, 3) if key in after else None

    batches = delta("batches")
    return {
        "writer_busy_share": round(delta("commit_seconds") / seconds, 3),
        "writer_cpu_share": share("writer_thread"),
        "event_loop_cpu_share": share("event_loop_thread"),
        "front_cpu_share": share("front_cpu"),
        "batches": int(batches),
        "mean_jobs_per_batch": round(delta("jobs") / batches, 2) if batches else None,
        "msgs_per_batch": round(acks / batches, 1) if batches else None,
        "mean_batch_ms": round(delta("commit_seconds") / batches * 1e3, 3) if batches else None,
        "writer_us_per_msg": round(delta("commit_seconds") / max(acks, 1) * 1e6, 1),
    }
