"""A tiny run of the compliance benchmark: it must produce a complete, well-formed result."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from bench import compliance


@pytest.mark.slow
def test_tiny_run_writes_complete_result(tmp_path: Path) -> None:
    args = ["--buildings", "4", "--devices", "60", "--days", "1", "--quiet", "--out", str(tmp_path)]
    paths = compliance.main(args)
    assert sorted(p.suffix for p in paths) == [".json", ".md"]
    result = orjson.loads(next(p for p in paths if p.suffix == ".json").read_bytes())
    assert result["households"] == 432 and result["events"] == 10_000 and result["rules"] >= 17
    assert result["total_s"] > 0 and result["pdf_bytes"] > 1000
    assert "the whole report" in next(p for p in paths if p.suffix == ".md").read_text()
