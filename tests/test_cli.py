"""The ``anfang`` command: help, schema upgrade, audit verification exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from anfang.cli import app
from anfang.store.migrate import MIGRATIONS

# The newest migration, read from the migration scripts themselves.
HEAD = sorted(p.name.split("_")[0] for p in (MIGRATIONS / "versions").glob("[0-9]*_*.py"))[-1]


def test_help_lists_the_commands() -> None:
    out = CliRunner().invoke(app, ["--help"]).output
    for cmd in ("demo", "serve", "db", "audit", "import"):
        assert cmd in out


def test_db_upgrade_and_verify_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANFANG_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    res = runner.invoke(app, ["db", "upgrade"])
    assert res.exit_code == 0, res.output
    assert f"revision {HEAD}" in res.output
    res = runner.invoke(app, ["audit", "verify"])
    assert res.exit_code == 2  # no key yet: nothing was ever signed here
    assert "not found" in res.output
