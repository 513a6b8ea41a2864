"""A tiny run of the car-park benchmark: it must produce a complete, well-formed result,
and say so when the plate crops are missing."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from anfang.subsystems.parking.sim import PLATES_DIR
from bench import parking


@pytest.mark.slow
def test_tiny_run_writes_complete_result(tmp_path: Path) -> None:
    argv = ["--cameras", "1", "--seconds", "1", "--quiet", "--out", str(tmp_path)]
    paths = parking.main([*argv, "--plates", str(PLATES_DIR)])  # the 40 shipped crops
    result = orjson.loads(next(p for p in paths if p.suffix == ".json").read_bytes())
    assert result["load"]["reads"] > 0 and result["light"]["reads"] > 0
    assert result["recognition"]["exact"].endswith("of 40)")
    assert result["events"]["parking.plate"] == result["load"]["reads"] + result["light"]["reads"]


@pytest.mark.slow
def test_missing_crops_are_said(tmp_path: Path) -> None:
    rec = __import__("asyncio").run(parking.recognition(tmp_path / "nowhere"))
    assert rec["exact"].startswith("not measured")
