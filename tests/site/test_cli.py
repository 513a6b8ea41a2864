"""``anfang import site|residents`` through Typer, against a temporary data directory."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from anfang.cli import app
from tests.conftest import ADMIN_PASSWORD
from tests.site.helpers import doc_block


def test_import_site_then_residents(tmp_path: Path) -> None:
    env = {
        "ANFANG_DATA_DIR": str(tmp_path),
        "ANFANG_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "ANFANG_SQLITE_SYNCHRONOUS": "NORMAL",
    }
    runner = CliRunner()
    site = tmp_path / "site.yaml"
    site.write_text(doc_block("yaml"), encoding="utf-8")
    people = tmp_path / "people.csv"
    people.write_text(doc_block("csv"), encoding="utf-8")

    r = runner.invoke(app, ["import", "residents", str(people)], env=env)
    assert r.exit_code == 1 and "Nothing imported" in r.output and "no building" in r.output
    r = runner.invoke(app, ["import", "site", str(site), "--dry-run"], env=env)
    assert r.exit_code == 0 and "would import" in r.output
    r = runner.invoke(app, ["import", "site", str(site)], env=env)
    assert r.exit_code == 0 and "imported" in r.output and "devices 3" in r.output
    r = runner.invoke(app, ["import", "residents", str(people)], env=env)
    assert r.exit_code == 0 and "imported 3" in r.output
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    r = runner.invoke(app, ["import", "residents", str(empty)], env=env)
    assert r.exit_code == 1 and "file is empty" in r.output
    r = runner.invoke(app, ["import", "site", str(tmp_path / "missing.yaml")], env=env)
    assert r.exit_code == 2
