"""A tiny run of the face benchmark: it must produce a complete, well-formed result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from bench import face, face_metrics


def test_metrics_on_known_similarities() -> None:
    same = [0.8, 0.7, 0.5, float("-inf")]  # the last: no face found
    diff = [0.55, 0.3, 0.2, 0.1]
    r = face_metrics.rates(same, diff, 0.4)
    assert (r["far"], r["frr"], r["accuracy"]) == (0.25, 0.25, 0.75)
    tar = face_metrics.tar_at_far(same, diff, 0.0)
    assert tar["far"] == 0.0 and tar["tar"] == 0.5  # above 0.55: 0.8 and 0.7 only


def test_best_1n_point_keeps_false_accepts_under_the_target() -> None:
    # (enrolled?, best, right person?, next person)
    nearest = [(True, 0.8, True, 0.2), (True, 0.5, True, 0.45), (False, 0.6, False, 0.58),
               (False, 0.3, False, 0.1), (True, 0.45, False, 0.2)]  # fmt: skip
    best = face_metrics.best_at(nearest, 0.0, known=3, unknown=2)
    assert best["false_accept_rate"] == 0.0
    assert best["correct_accept"] == pytest.approx(2 / 3)  # 0.8, and 0.5 with no margin


@pytest.mark.slow
def test_tiny_run_writes_complete_result(tmp_path: Path) -> None:
    """Ten pairs, a few captures and enrolments, small indexes: every section present."""
    if not (face.dataset_dir() / "lfw-dev-pairs.tsv").is_file():
        pytest.skip("LFW data set not present")
    args = ["--pairs", "10", "--captures", "4", "--enrol", "3", "--sizes", "500,1000"]
    args += ["--liveness", "4"]
    paths = face.main([*args, "--queries", "50", "--out", str(tmp_path)])
    assert sorted(p.suffix for p in paths) == [".json", ".md"]
    result: dict[str, Any] = orjson.loads(
        next(p for p in paths if p.suffix == ".json").read_bytes()
    )
    assert result["benchmark"] == "face"
    for engine in ("mobilefacenet", "dlib"):
        ours = result["verification"][engine]
        assert ours["pairs"]["same"] + ours["pairs"]["different"] == 10
        assert 0 <= ours["tar_at_far_1pct"]["tar"] <= 1
        assert result["identification"][engine]["enrolled"] > 0
        assert result["decision"][engine]["latency_ms"]["count"] == 4
        assert set(result["search"][engine]) == {"500", "1000"}
    assert result["enrolment"]["photos"] == 3
    assert 0 <= result["liveness"]["table"][0]["live_accepted"] <= 1
    assert result["small_faces"]["frames"] >= 1
    assert "face_recognition" in result["peer"]
