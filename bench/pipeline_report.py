"""Figures of one pipeline-benchmark step, and the Markdown and terminal summaries."""

from __future__ import annotations

from array import array
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.common import latency_summary
from bench.pipeline_load import LoadGenerator


def _in_window(values: array[int], w0: int, w1: int) -> int:
    return sum(1 for v in values if w0 <= v < w1)


def step_stats(
    *,
    backend: str,
    rate: int,
    gen: LoadGenerator,
    client: dict[str, Any],
    stored: int,
    drained: bool,
    window: tuple[int, int],
    cpu: dict[str, float],
    writer: dict[str, Any],
    loop_lag_ms: list[float],
    gc: dict[str, Any],
) -> dict[str, Any]:
    """Rates, latencies, losses and costs of one step, measured over its window only."""
    w0, w1 = window
    seconds = (w1 - w0) / 1e9
    sent: array[int] = array("q")
    sent.frombytes(client["sent_at"])
    received: array[int] = array("q")
    received.frombytes(client["received_at"])
    to_ws = [(r - s) / 1e6 for s, r in zip(sent, received, strict=True) if w0 <= s < w1]
    to_durable = [
        (a - s) / 1e6 for s, a in zip(gen.scheduled, gen.acked_at, strict=True) if w0 <= s < w1
    ]
    lost_db = max(0, gen.acked - stored)
    lost_ws = max(0, gen.acked - client["distinct"])
    messages = client["messages"] or 1
    return {
        "backend": backend,
        "target_rate": rate,
        "window_seconds": round(seconds, 3),
        "rates": {
            "offered": float(rate),
            "durable": round(_in_window(gen.acked_at, w0, w1) / seconds, 1),
            "delivered": round(_in_window(received, w0, w1) / seconds, 1),
        },
        "latency_ms": {
            "submit_to_websocket": latency_summary(to_ws),
            "submit_to_durable": latency_summary(to_durable),
        },
        "counts": {
            "submitted": gen.submitted,
            "acknowledged": gen.acked,
            "stored_in_db": stored,
            "received_by_websocket": client["distinct"],
            "websocket_duplicates": client["duplicates"],
        },
        "lost": {"db": lost_db, "websocket": lost_ws, "total": lost_db + lost_ws},
        "failed_submissions": sum(gen.failed.values()),
        "failures_by_type": dict(gen.failed),
        "drained_in_time": drained,
        "generator_lag_ms": latency_summary([v / 1e6 for v in gen.lag_ns]),
        "event_loop_lag_ms": latency_summary(loop_lag_ms),
        "gc_pauses": gc,
        "cpu_seconds": cpu,
        "cpu_percent_of_one_core": {k: round(v / seconds * 100, 1) for k, v in cpu.items()},
        "writer": {
            **writer,
            "busy_fraction": round(writer["commit_seconds_total"] / seconds, 3),
        },
        "websocket": {
            "messages": client["messages"],
            "batch_messages": client["batch_messages"],
            "events_per_message": round(client["distinct"] / messages, 1),
            "compression": client["compression"],
            "error": client["error"],
        },
    }


def markdown(result: dict[str, Any]) -> str:
    """A short human summary of a result document."""
    m, g, s = result["machine"], result["git"], result["settings"]
    dirty = " (working tree dirty)" if g.get("dirty") else ""
    lines = [
        f"# Pipeline benchmark — {result['date']}",
        "",
        f"- Machine: {m['cpu_model']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, "
        f"Python {m['python']}, {m['os']}",
        f"- Commit: `{g.get('commit')}`{dirty}",
        f"- Settings: {s['seconds']} s measured after {s['warmup']} s warm-up per step, "
        f"{s['adapters']} adapters, SQLite synchronous={s['sqlite_synchronous']}, "
        f"WebSocket compression={s['compression']}, pass: p99 ≤ {s['max_p99_ms']} ms, "
        f"delivered ≥ {s['min_delivered']:.0%} of offered, nothing lost",
        "",
    ]
    for backend, data in result["backends"].items():
        best = data["max_sustainable_rate"]
        lines += [
            f"## {backend}: max sustainable {f'{best:,} events/s' if best else 'none'}",
            "",
            "| offered/s | durable/s | delivered/s | p50 ms | p95 ms | p99 ms | max ms "
            "| lost | server CPU % | writer % | loop % | client % | batch | ok |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:-:|",
        ]
        for st in data["steps"]:
            lat, r = st["latency_ms"]["submit_to_websocket"], st["rates"]
            cpu = st["cpu_percent_of_one_core"]
            lines.append(
                f"| {r['offered']:,.0f} | {r['durable']:,.0f} | {r['delivered']:,.0f} "
                f"| {lat['p50']} | {lat['p95']} | {lat['p99']} | {lat['max']} "
                f"| {st['lost']['total']} | {cpu.get('server_process')} "
                f"| {cpu.get('writer_thread')} | {cpu.get('event_loop_thread')} "
                f"| {cpu.get('ws_client_process')} | {st['writer']['mean_batch_size']} "
                f"| {'✓' if st['passed'] else '✗'} |"
            )
        lines.append("")
    lines.append("CPU is percent of one core over the measured window; batch is the writer's")
    lines.append("mean jobs per commit (`anfang_writer_batch_size`).")
    return "\n".join(lines) + "\n"


def print_summary(result: dict[str, Any], console: Console) -> None:
    """The steps as a table on the terminal."""
    table = Table(title="anfang pipeline benchmark")
    for col in ("backend", "offered/s", "delivered/s", "p50", "p99", "max", "lost", "batch", "ok"):
        table.add_column(col, justify="right")
    for backend, data in result["backends"].items():
        for st in data["steps"]:
            lat = st["latency_ms"]["submit_to_websocket"]
            table.add_row(
                backend,
                f"{st['rates']['offered']:,.0f}",
                f"{st['rates']['delivered']:,.0f}",
                str(lat["p50"]),
                str(lat["p99"]),
                str(lat["max"]),
                str(st["lost"]["total"]),
                str(st["writer"]["mean_batch_size"]),
                "✓" if st["passed"] else "✗",
            )
    console.print(table)
    for backend, data in result["backends"].items():
        console.print(f"{backend}: max sustainable rate {data['max_sustainable_rate']} events/s")
