"""A tiny run of the uplink benchmark: it must produce a complete, well-formed result."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from bench import uplink


@pytest.mark.slow
def test_tiny_run_writes_complete_result(tmp_path: Path) -> None:
    args = [
        "--channels",
        "40",
        "--alarms",
        "10",
        "--faces",
        "30",
        "--quiet",
        "--out",
        str(tmp_path),
    ]
    paths = uplink.main(args)
    assert sorted(p.suffix for p in paths) == [".json", ".md"]
    result = orjson.loads(next(p for p in paths if p.suffix == ".json").read_bytes())
    assert result["catalog"]["items"] == 50 and result["alarms"]["latency_ms"]["count"] == 10
    assert result["faces"]["refused"] == 0 and result["left_queued"] == 0
    assert "Alarm Notify" in next(p for p in paths if p.suffix == ".md").read_text()
