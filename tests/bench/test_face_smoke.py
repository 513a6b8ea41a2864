"""A tiny run of the face benchmark: it must produce a complete, well-formed result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from bench import face, face_metrics


def test_metrics_on_known_distances() -> None:
    same = [0.2, 0.3, 0.5, float("inf")]
    diff = [0.45, 0.7, 0.8, 0.9]
    r = face_metrics.rates(same, diff, 0.6)
    assert (r["far"], r["frr"], r["accuracy"]) == (0.25, 0.25, 0.75)
    tar = face_metrics.tar_at_far(same, diff, 0.0)
    assert tar["far"] == 0.0 and tar["tar"] == 0.5  # below 0.45: 0.2 and 0.3 only


@pytest.mark.slow
def test_tiny_run_writes_complete_result(tmp_path: Path) -> None:
    """Ten pairs, a few captures and enrolments, small indexes: every section present."""
    if not (face.dataset_dir() / "lfw-dev-pairs.tsv").is_file():
        pytest.skip("LFW data set not present")
    args = ["--pairs", "10", "--captures", "4", "--enrol", "3", "--sizes", "500,1000"]
    paths = face.main([*args, "--queries", "50", "--out", str(tmp_path)])
    assert sorted(p.suffix for p in paths) == [".json", ".md"]
    result: dict[str, Any] = orjson.loads(
        next(p for p in paths if p.suffix == ".json").read_bytes()
    )
    assert result["benchmark"] == "face"
    ours = result["verification"]["anfang"]
    assert ours["pairs"]["same"] + ours["pairs"]["different"] == 10
    assert 0 <= ours["tar_at_far_1pct"]["tar"] <= 1
    assert result["identification"]["anfang"]["enrolled"] > 0
    assert result["decision"]["anfang"]["latency_ms"]["count"] == 4
    assert set(result["search"]) == {"descriptors", "500", "1000"}
    assert result["enrolment"]["photos"] == 3
    assert "face_recognition" in result["peer"]
