"""The Markdown report of bench/face."""

from __future__ import annotations

from typing import Any


def _pct(v: float) -> str:
    return f"{100 * v:.2f}%"


def _head(d: dict[str, Any]) -> list[str]:
    m = d["machine"]
    points = "; ".join(
        f"{n}: entrance ≥ {p['entrance']} (margin {p['margin']}), watch ≥ {p['watch']}, "
        f"verify ≥ {p['verify']}"
        for n, p in d["operating_points"].items()
    )
    return [
        f"# bench/face — {d['date']}",
        "",
        f"Machine: {m['cpu_model']}, {m['cores']} cores, Python {m['python']}; "
        f"commit {d['git']['commit']} (dirty: {d['git']['dirty']}); load at start "
        f"{d['load_average_at_start']}. Peer: {d['peer']}.",
        "",
        f"Operating points (cosine similarity): {points}. The peer is scored by minus its "
        "Euclidean distance, at its documented 0.6.",
    ]


def _verification(d: dict[str, Any]) -> list[str]:
    lines = [
        "",
        "## (1) LFW verification (lfw-dev-pairs.tsv)",
        "",
        "| pipeline | pairs | no face | accuracy @verify | best acc (thr) | TAR@FAR1% "
        "| TAR@FAR0.1% | ms/image p50 | p95 | images/s (1 core) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, v in d["verification"].items():
        pairs = v["pairs"]["same"] + v["pairs"]["different"]
        best = v["best"]
        lines.append(
            f"| {name} | {pairs} | {v['images_without_face']}/{v['images']} | "
            f"{_pct(v['at_threshold']['accuracy'])} | "
            f"{_pct(best['accuracy'])} ({best['threshold']}) | "
            f"{_pct(v['tar_at_far_1pct']['tar'])} | {_pct(v['tar_at_far_0_1pct']['tar'])} | "
            f"{v['per_image_ms']['p50']:.1f} | {v['per_image_ms']['p95']:.1f} | "
            f"{1000 / max(v['per_image_ms']['mean'], 1e-9):.1f} |"
        )
    lines += [
        "",
        "ms per step (p50 / p95):",
        "",
        "| pipeline | step | p50 | p95 |",
        "|---|---|---|---|",
    ]
    for name, v in d["verification"].items():
        for step, s in v.get("per_step_ms", {}).items():
            lines.append(f"| {name} | {step} | {s['p50']:.2f} | {s['p95']:.2f} |")
    lines += ["", "FAR / FRR by threshold:", "", "| pipeline | threshold | FAR | FRR | accuracy |"]
    lines.append("|---|---|---|---|---|")
    for name, v in d["verification"].items():
        for r in v["table"]:
            lines.append(
                f"| {name} | {r['threshold']:.3f} | {_pct(r['far'])} | {_pct(r['frr'])} "
                f"| {_pct(r['accuracy'])} |"
            )
    return lines


def _identification(d: dict[str, Any]) -> list[str]:
    lines = [
        "",
        "## (2) 1:N identification",
        "",
        "| pipeline | enrolled | probes (enrolled / not) | rank-1 | accepted @entrance "
        "| false accepts | best ≤1 % FA: accepts (thr, margin) | best ≤0.1 % FA |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, v in d["identification"].items():
        b1, b01 = v["best_at_far"]["0.01"], v["best_at_far"]["0.001"]
        lines.append(
            f"| {name} | {v['enrolled']} | {v['probes_enrolled']} / {v['probes_not_enrolled']} "
            f"| {_pct(v['rank1'])} | {_pct(v['correct_accept_at_threshold'])} "
            f"| {v['false_accepts']} ({_pct(v['false_accept_rate'])}) "
            f"| {_pct(b1['correct_accept'])} at {_pct(b1['false_accept_rate'])} "
            f"({b1['threshold']}, {b1['margin']}) "
            f"| {_pct(b01['correct_accept'])} at {_pct(b01['false_accept_rate'])} "
            f"({b01['threshold']}, {b01['margin']}) |"
        )
    lines.append("")
    lines.append(
        "The best points are chosen on this same split (no separate tuning set exists "
        "here), so they are optimistic; the operating points in the product are rounded."
    )
    return lines


def _rest(d: dict[str, Any]) -> list[str]:
    dec = d["decision"]
    lines = [
        "",
        f"## (3) Decision latency, 640×480 capture → decision ({dec['captures']} captures, "
        f"{dec['enrolled']} enrolled)",
        "",
        "| pipeline | p50 ms | p95 ms | p99 ms | mean ms | correct decisions |",
        "|---|---|---|---|---|---|",
    ]
    for name, v in dec.items():
        if isinstance(v, dict):
            lat = v["latency_ms"]
            lines.append(
                f"| {name} | {lat['p50']:.1f} | {lat['p95']:.1f} | {lat['p99']:.1f} "
                f"| {lat['mean']:.1f} | {_pct(v['correct_decisions'])} |"
            )
    lines += ["", f"## (4) Index search ({d['search']['descriptors']}, k=2)", ""]
    lines += ["| engine | enrolled | p50 ms | p99 ms |", "|---|---|---|---|"]
    for name, per in d["search"].items():
        if isinstance(per, dict):
            for size, v in per.items():
                lat = v["latency_ms"]
                lines.append(f"| {name} | {int(size):,} | {lat['p50']:.3f} | {lat['p99']:.3f} |")
    e = d["enrolment"]
    lines += [
        "",
        f"## (5) Enrolment throughput ({e['engine']}; quality checks, sealing, SQLite, audit; "
        "1 worker)",
        "",
        f"{e['photos']} photos in {e['seconds']} s: {e['per_second']}/s; enrolled "
        f"{e['enrolled']}, refused {e['refused']}.",
    ]
    lv = d["liveness"]
    lines += [
        "",
        f"## (6) Liveness (default engine; {lv['live_scored']} LFW photos as live, "
        f"{lv['attacks_scored']} simulated print re-captures as attacks)",
        "",
        "| min score | live accepted | attacks accepted |",
        "|---|---|---|",
    ]
    for r in lv["table"]:
        lines.append(
            f"| {r['min_score']} | {_pct(r['live_accepted'])} | {_pct(r['attacks_accepted'])} |"
        )
    sf = d["small_faces"]
    lines += [
        "",
        f"## (7) Small faces: {sf['face_px']} px faces in 1920×1080 frames ({sf['frames']})",
        "",
        f"Found in the whole frame alone: {_pct(sf['found_whole_frame'])}; with tiles: "
        f"{_pct(sf['found_with_tiles'])} (detection p50 {sf['detect_ms_with_tiles']} ms).",
    ]
    return lines


def markdown(d: dict[str, Any]) -> str:
    """A readable summary of a bench/face result."""
    return "\n".join(_head(d) + _verification(d) + _identification(d) + _rest(d)) + "\n"
