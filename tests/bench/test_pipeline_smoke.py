"""A tiny run of the pipeline benchmark: it must produce a complete, well-formed result."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest

from bench import pipeline
from tests.conftest import PG_ADMIN_URL


def _bench_databases() -> set[str]:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        rows = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'anfang_bench_%'")
        return {r[0] for r in rows}


def _run(tmp_path: Path, backend: str) -> dict[str, Any]:
    argv = ["--backend", backend, "--rate", "200", "--seconds", "1", "--warmup", "0.5"]
    argv += ["--quiet", "--out", str(tmp_path), "--pg-admin-url", PG_ADMIN_URL]
    paths = pipeline.main(argv)
    assert sorted(p.suffix for p in paths) == [".json", ".md"]
    assert all(p.parent == tmp_path and p.name.startswith("pipeline-") for p in paths)
    md = next(p for p in paths if p.suffix == ".md").read_text(encoding="utf-8")
    assert f"## {backend}" in md
    result: dict[str, Any] = orjson.loads(
        next(p for p in paths if p.suffix == ".json").read_bytes()
    )
    return result


def _check_step(step: dict[str, Any]) -> None:
    counts = step["counts"]
    # 1.5 s at 200/s: every submission is acknowledged, stored once and delivered once.
    assert counts["submitted"] == counts["acknowledged"] == 300
    assert counts["stored_in_db"] == counts["received_by_websocket"] == 300
    assert counts["websocket_duplicates"] == 0
    assert step["lost"] == {"db": 0, "websocket": 0, "total": 0}
    ws = step["latency_ms"]["submit_to_websocket"]
    assert ws["count"] == 200  # the warm-up's 100 events are excluded
    assert 0 < ws["p50"] <= ws["p95"] <= ws["p99"] <= ws["max"]
    rates = step["rates"]
    assert rates["offered"] == 200.0
    assert 150 <= rates["durable"] <= 250 and 150 <= rates["delivered"] <= 250
    writer = step["writer"]
    assert writer["batches"] > 0 and writer["mean_batch_size"] >= 1
    cpu = step["cpu_seconds"]
    assert {"server_process", "writer_thread", "event_loop_thread", "ws_client_process"} <= set(cpu)
    assert isinstance(step["passed"], bool)


@pytest.mark.slow
def test_sqlite_run_writes_complete_result(tmp_path: Path) -> None:
    """One SQLite step: machine, commit, settings and a loss-free, measured step."""
    result = _run(tmp_path, "sqlite")
    assert result["benchmark"] == "pipeline"
    machine, git = result["machine"], result["git"]
    assert machine["cores"] and machine["python"] and machine["cpu_model"]
    assert len(git["commit"]) == 40
    assert isinstance(git["dirty"], bool)
    assert datetime.fromisoformat(str(result["date"])).tzinfo is not None
    backends = result["backends"]
    assert list(backends) == ["sqlite"]
    steps = backends["sqlite"]["steps"]
    assert len(steps) == 1
    _check_step(steps[0])


@pytest.mark.slow
@pytest.mark.postgres
def test_postgresql_run_uses_and_drops_its_own_database(tmp_path: Path) -> None:
    """One PostgreSQL step on a fresh database that is gone afterwards."""
    before = _bench_databases()
    result = _run(tmp_path, "postgresql")
    backends = result["backends"]
    _check_step(backends["postgresql"]["steps"][0])
    assert _bench_databases() <= before
