"""The Markdown report of bench/face."""

from __future__ import annotations

from typing import Any


def _pct(v: float) -> str:
    return f"{100 * v:.2f}%"


def markdown(d: dict[str, Any]) -> str:
    """A readable summary of a bench/face result."""
    m = d["machine"]
    lines = [
        f"# bench/face — {d['date']}",
        "",
        f"Machine: {m['cpu_model']}, {m['cores']} cores, Python {m['python']}; "
        f"commit {d['git']['commit']} (dirty: {d['git']['dirty']}); load at start "
        f"{d['load_average_at_start']}. Peer: {d['peer']}. Threshold {d['threshold']}, "
        f"margin {d['margin']} (1:N and decisions).",
        "",
        "## (1) LFW verification (lfw-dev-pairs.tsv)",
        "",
        "| pipeline | pairs | no face | accuracy @thr | best acc (thr) | TAR@FAR1% "
        "| TAR@FAR0.1% | ms/image p50 | p95 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, v in d["verification"].items():
        pairs = v["pairs"]["same"] + v["pairs"]["different"]
        best = v["best"]
        lines.append(
            f"| {name} | {pairs} | {v['images_without_face']}/{v['images']} | "
            f"{_pct(v['at_threshold']['accuracy'])} | "
            f"{_pct(best['accuracy'])} ({best['threshold']}) | "
            f"{_pct(v['tar_at_far_1pct']['tar'])} | {_pct(v['tar_at_far_0_1pct']['tar'])} | "
            f"{v['per_image_ms']['p50']:.1f} | {v['per_image_ms']['p95']:.1f} |"
        )
    lines += [
        "",
        "FAR / FRR by threshold (anfang):",
        "",
        "| threshold | FAR | FRR | accuracy |",
        "|---|---|---|---|",
    ]
    for r in d["verification"]["anfang"]["table"]:
        lines.append(
            f"| {r['threshold']:.2f} | {_pct(r['far'])} | {_pct(r['frr'])} "
            f"| {_pct(r['accuracy'])} |"
        )
    lines += [
        "",
        "## (2) 1:N identification",
        "",
        "| pipeline | enrolled | probes (enrolled / not) | rank-1 | accepted @thr "
        "| false accepts (not enrolled) |",
        "|---|---|---|---|---|---|",
    ]
    for name, v in d["identification"].items():
        lines.append(
            f"| {name} | {v['enrolled']} | {v['probes_enrolled']} / {v['probes_not_enrolled']} | "
            f"{_pct(v['rank1'])} | {_pct(v['correct_accept_at_threshold'])} | "
            f"{v['false_accepts']} ({_pct(v['false_accept_rate'])}) |"
        )
    lines += ["", "1:N by threshold and margin (to the nearest other person):", ""]
    lines += ["| pipeline | threshold | margin | correct accepts | false accepts |"]
    lines.append("|---|---|---|---|---|")
    for name, v in d["identification"].items():
        for r in v["table"]:
            if name != "anfang" and r["margin"] not in (0.0, v["margin"]):
                continue  # the peer: plain threshold and anfang's margin only
            lines.append(
                f"| {name} | {r['threshold']:.2f} | {r['margin']:.2f} "
                f"| {_pct(r['correct_accept'])} | {_pct(r['false_accept_rate'])} |"
            )
    dec = d["decision"]
    lines += [
        "",
        f"## (3) Decision latency, 640×480 capture → decision ({dec['captures']} captures, "
        f"{dec['enrolled']} enrolled)",
        "",
        "| pipeline | p50 ms | p95 ms | p99 ms | mean ms | correct decisions |",
        "|---|---|---|---|---|---|",
    ]
    for name in ("anfang", "face_recognition"):
        if name in dec:
            lat = dec[name]["latency_ms"]
            lines.append(
                f"| {name} | {lat['p50']:.1f} | {lat['p95']:.1f} | {lat['p99']:.1f} | "
                f"{lat['mean']:.1f} | {_pct(dec[name]['correct_decisions'])} |"
            )
    if "face_recognition" in dec:
        ratio = dec["face_recognition"]["latency_ms"]["mean"] / dec["anfang"]["latency_ms"]["mean"]
        lines.append(f"\nanfang is {ratio:.2f}× the peer's end-to-end speed on captures.")
    lines += [
        "",
        f"## (4) Index search ({d['search']['descriptors']})",
        "",
        "| enrolled | p50 ms | p99 ms |",
        "|---|---|---|",
    ]
    for size, v in d["search"].items():
        if size != "descriptors":
            lines.append(
                f"| {int(size):,} | {v['latency_ms']['p50']:.3f} | {v['latency_ms']['p99']:.3f} |"
            )
    e = d["enrolment"]
    lines += [
        "",
        "## (5) Enrolment throughput (quality checks, sealing, SQLite, audit; 1 worker)",
        "",
        f"{e['photos']} photos in {e['seconds']} s: {e['per_second']}/s; enrolled {e['enrolled']}, "
        f"refused {e['refused']}.",
        "",
    ]
    return "\n".join(lines)
