"""A tiny run of the district benchmark against the real NATS server."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from bench import district


@pytest.mark.slow
@pytest.mark.skipif(not district.nats_up(), reason="NATS is not running on 127.0.0.1:4222")
def test_tiny_run_writes_complete_result(tmp_path: Path) -> None:
    args = ["--communities", "4", "--rate", "20", "--seconds", "2", "--quiet"]
    paths = district.main([*args, "--out", str(tmp_path)])
    assert sorted(p.suffix for p in paths) == [".json", ".md"]
    result = orjson.loads(next(p for p in paths if p.suffix == ".json").read_bytes())
    assert result["applied"] == result["published"] > 0
    assert result["lag_ms"]["count"] == result["applied"]
