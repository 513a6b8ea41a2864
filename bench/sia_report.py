"""bench/sia's figures across repetitions, its targets, and its Markdown report."""

from __future__ import annotations

import statistics
from typing import Any

ACK_P99_MS = 20.0
CONSOLE_P99_MS = 100.0
THROUGHPUT_RATIO = 2.0


def summarize(runs: dict[str, dict[str, list[dict[str, Any]]]]) -> dict[str, Any]:
    """Per receiver and mode: the median run's figures, with every run under ``runs``.

    The median is by msg/s (the lower one of the middle two for an even count), so that
    the figures shown together all come from one real run.
    """
    out: dict[str, Any] = {}
    for name, modes in runs.items():
        out[name] = {}
        for mode, cases in modes.items():
            median = statistics.median_low(c["msgs_per_s"] for c in cases)
            chosen = next(c for c in cases if c["msgs_per_s"] == median)
            out[name][mode] = chosen | {"runs": cases}
    return out


def targets(runs: dict[str, dict[str, list[dict[str, Any]]]]) -> dict[str, Any]:
    """The issue's three targets per mode, judged over every repetition.

    The throughput ratio of a repetition divides anfang's rate by pysiaalarm's measured
    right next to it; the target is judged on the median of those ratios. The latency
    targets must hold in every anfang run.
    """
    if not {"anfang", "pysiaalarm"} <= runs.keys():
        return {}
    out: dict[str, Any] = {}
    for mode, ours in runs["anfang"].items():
        theirs = runs["pysiaalarm"][mode]
        ratios = [
            round(a["msgs_per_s"] / max(p["msgs_per_s"], 1e-9), 2)
            for a, p in zip(ours, theirs, strict=True)
        ]
        ack = [c["ack_latency_ms"]["p99"] or 1e9 for c in ours]
        console = [c["console"]["latency_ms"]["p99"] or 1e9 for c in ours]
        out[mode] = {
            "throughput_ratio": round(statistics.median(ratios), 2),
            "throughput_ratios": ratios,
            "throughput_ok": statistics.median(ratios) >= THROUGHPUT_RATIO,
            "p99_ok": max(ack) <= ACK_P99_MS,
            "console_p99_ok": max(console) <= CONSOLE_P99_MS,
        }
    return out


def markdown(data: dict[str, Any]) -> str:
    """The result as a Markdown report."""
    m, g, o = data["machine"], data["git"], data["options"]
    repeat = o.get("repeat", 1)
    lines = [
        f"# SIA DC-09 receivers — {data['date']}",
        "",
        f"{m['cpu_model']}, {m['cores']} cores, Python {m['python']}; commit "
        f"{(g['commit'] or '?')[:12]}{' (dirty)' if g['dirty'] else ''}; load average "
        f"{data['load_average_at_start']}. {o['panels']} panels, closed loop, "
        f"{o['seconds']} s measured after {o['warmup']} s warm-up, event code {o['code']}, "
        f"{repeat} repetition(s).",
        "",
        *(_median_note(repeat)),
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
        *_repetitions(data),
        *_stages(data),
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
        "| mode | anfang / pysiaalarm throughput (median, ≥ 2) | per repetition | "
        "ACK p99 ≤ 20 ms (every run) | console p99 ≤ 100 ms (every run) |",
        "|---|---:|---|---|---|",
    ]
    for mode, t in data["targets"].items():
        per = ", ".join(f"{r:.2f}" for r in t["throughput_ratios"])
        lines.append(
            f"| {mode} | {t['throughput_ratio']} | {per} | {t['p99_ok']} | {t['console_p99_ok']} |"
        )
    return "\n".join(lines) + "\n"


def _median_note(repeat: int) -> list[str]:
    if repeat < 2:
        return []
    return ["Each row: the repetition with the median msg/s for that receiver and mode.", ""]


def _repetitions(data: dict[str, Any]) -> list[str]:
    """One row per repetition and mode: both receivers' rates, measured back to back."""
    receivers = data["receivers"]
    if len(receivers) < 2 or data["options"].get("repeat", 1) < 2:
        return []
    lines = [
        "Every repetition (anfang and pysiaalarm measured back to back, their order alternating):",
        "",
        "| repetition | mode | anfang msg/s | pysiaalarm msg/s | ratio | anfang ACK p99 ms |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for mode, ours in receivers["anfang"].items():
        theirs = receivers["pysiaalarm"][mode]["runs"]
        for i, (a, p) in enumerate(zip(ours["runs"], theirs, strict=True), start=1):
            ratio = a["msgs_per_s"] / max(p["msgs_per_s"], 1e-9)
            lines.append(
                f"| {i} | {mode} | {a['msgs_per_s']} | {p['msgs_per_s']} | {ratio:.2f} | "
                f"{a['ack_latency_ms']['p99']} |"
            )
    return [*lines, ""]


def _stages(data: dict[str, Any]) -> list[str]:
    """Per anfang run: how busy its writer, event loop and front process were."""
    runs = [
        (mode, i, run)
        for mode, median in data["receivers"].get("anfang", {}).items()
        for i, run in enumerate(median["runs"], start=1)
        if "stages" in run
    ]
    if not runs:
        return []
    lines = [
        "Where anfang's time went (shares of one core over the measured window; writer busy: "
        "time inside its batches' statements and commits):",
        "",
        "| mode | repetition | msg/s | writer busy | writer CPU | event loop CPU | front CPU | "
        "batches | msgs/batch | ms/batch | writer µs/msg |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def pct(v: float | None) -> str:
        return "–" if v is None else f"{v:.0%}"

    for mode, i, run in runs:
        st = run["stages"]
        lines.append(
            f"| {mode} | {i} | {run['msgs_per_s']} | {pct(st['writer_busy_share'])} | "
            f"{pct(st['writer_cpu_share'])} | {pct(st['event_loop_cpu_share'])} | "
            f"{pct(st['front_cpu_share'])} | {st['batches']} | {st['msgs_per_batch']} | "
            f"{st['mean_batch_ms']} | {st['writer_us_per_msg']} |"
        )
    return [*lines, ""]
