"""A tiny run of the guard-tour benchmark: it must produce a complete, well-formed result."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from bench import patrol


@pytest.mark.slow
def test_tiny_run_writes_complete_result(tmp_path: Path) -> None:
    paths = patrol.main(["--routes", "3", "--checkpoints", "12", "--quiet", "--out", str(tmp_path)])
    assert sorted(p.suffix for p in paths) == [".json", ".md"]
    result = orjson.loads(next(p for p in paths if p.suffix == ".json").read_bytes())
    ev = result["evaluation"]
    assert ev["rounds_of_day"] == 72 and ev["changed_again"] == 0
    assert result["load"]["batch"]["checkins"] == result["checkins_stored"] - 2000
    assert "judge a whole day" in next(p for p in paths if p.suffix == ".md").read_text()
