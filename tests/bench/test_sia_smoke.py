"""A tiny run of the SIA benchmark: it must produce a complete, well-formed result."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from bench import sia


@pytest.mark.slow
def test_tiny_run_writes_complete_result(tmp_path: Path) -> None:
    """Three panels, two repetitions: both receivers, both modes, every ACK stored."""
    tiny = ["--panels", "3", "--seconds", "0.5", "--warmup", "0.3", "--repeat", "2"]
    paths = sia.main([*tiny, "--out", str(tmp_path)])
    assert sorted(p.suffix for p in paths) == [".json", ".md"]
    assert all(p.parent == tmp_path and p.name.startswith("sia-") for p in paths)
    result: dict[str, Any] = orjson.loads(
        next(p for p in paths if p.suffix == ".json").read_bytes()
    )
    assert result["benchmark"] == "sia"
    assert datetime.fromisoformat(str(result["date"])).tzinfo is not None
    assert len(result["git"]["commit"]) == 40
    assert set(result["receivers"]) == {"anfang", "pysiaalarm"}
    assert result["options"]["repeat"] == 2
    for name, cases in result["receivers"].items():
        assert set(cases) == {"plain", "aes128"}
        for median in cases.values():
            assert len(median["runs"]) == 2  # the headline figures are one of the runs
            assert {k: v for k, v in median.items() if k != "runs"} in median["runs"]
        for case in (run for median in cases.values() for run in median["runs"]):
            counts = case["counts"]
            assert counts["sent"] == counts["acked"] > 0
            assert counts["other_replies"] == counts["errors"] == 0
            stored = counts["rows_in_db" if name == "anfang" else "callbacks"]
            assert stored == counts["acked"] and case["lost"] == 0
            lat = case["ack_latency_ms"]
            assert 0 < lat["p50"] <= lat["p95"] <= lat["p99"] <= lat["max"]
            assert case["msgs_per_s"] > 0 and case["receiver_cpu_seconds"] >= 0
            assert case["load_cpu_seconds"] > 0 and case["load_cpu_share"] > 0
            if name == "anfang":  # every measured frame reached the console's WebSocket
                console = case["console"]
                assert console["missing"] == 0 and console["latency_ms"]["count"] > 0
                assert 0 < console["latency_ms"]["p50"] <= console["latency_ms"]["p99"]
                stages = case["stages"]  # the writer stored every measured frame
                assert stages["batches"] > 0 and 0 < stages["writer_busy_share"] <= 1
                assert stages["writer_cpu_share"] is not None and stages["writer_us_per_msg"] > 0
                assert stages["front_cpu_share"] is not None  # the front process is on by default
    assert set(result["targets"]) == {"plain", "aes128"}
    for mode, target in result["targets"].items():
        ours, theirs = (result["receivers"][r][mode]["runs"] for r in ("anfang", "pysiaalarm"))
        pairs = zip(ours, theirs, strict=True)
        ratios = [round(a["msgs_per_s"] / p["msgs_per_s"], 2) for a, p in pairs]
        assert target["throughput_ratios"] == ratios
        assert min(ratios) <= target["throughput_ratio"] <= max(ratios)
    md = next(p for p in paths if p.suffix == ".md").read_text(encoding="utf-8")
    assert "| pysiaalarm | aes128 |" in md and "Frame → console" in md
    assert "| 2 | aes128 |" in md  # the table of every repetition
    assert "Where anfang's time went" in md
    assert all("console_p99_ok" in t for t in result["targets"].values())
