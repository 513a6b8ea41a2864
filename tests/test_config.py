"""Settings: environment variables, defaults, and unknown keys refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from anfang.config import Settings


def test_environment_and_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ANFANG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ANFANG_PORT", "9090")
    s = Settings()
    assert s.port == 9090
    assert s.resolved_database_url() == f"sqlite:///{(tmp_path / 'anfang.db').resolve()}"
    assert s.resolved_audit_key_file() == tmp_path / "keys" / "audit-ed25519.pem"


def test_unknown_and_bad_values_are_refused() -> None:
    with pytest.raises(ValidationError, match="porrt"):
        Settings.model_validate({"porrt": 1})
    with pytest.raises(ValidationError, match="port"):
        Settings.model_validate({"port": 70000})
    with pytest.raises(ValidationError, match="sqlite_synchronous"):
        Settings.model_validate({"sqlite_synchronous": "OFF"})
