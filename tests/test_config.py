"""Settings: environment variables, defaults, and unknown keys refused."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from anfang import config
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


def test_a_misspelt_variable_is_refused_naming_the_nearest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 14 item 9: misspelt ANFANG_* variables were silently ignored."""
    monkeypatch.setenv("ANFANG_DATABSE_URL", "sqlite:///x.db")
    with pytest.raises(ValidationError) as info:
        Settings()
    text = config.problem(info.value)
    assert "unknown setting ANFANG_DATABSE_URL; did you mean ANFANG_DATABASE_URL?" in text
    assert "https://" not in text  # no pydantic help links
    monkeypatch.delenv("ANFANG_DATABSE_URL")
    monkeypatch.setenv("ANFANG_TEST_WHATEVER", "1")  # the tools' own variables pass
    monkeypatch.setenv("ANFANG_USER_FORCE", "1")
    Settings()


def test_the_cli_refuses_in_one_line_without_a_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "ANFANG_DATA_DIR": str(tmp_path), "ANFANG_PROT": "1"}
    out = subprocess.run(
        [sys.executable, "-m", "anfang.cli", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert "ANFANG_PROT; did you mean ANFANG_PORT?" in out.stderr
    assert "Traceback" not in out.stderr + out.stdout


def test_trusted_proxies_and_tls_settings(tmp_path: Path) -> None:
    s = Settings.model_validate({"trusted_proxies": "10.0.0.1, 192.168.0.0/24"})
    assert s.trusted_proxies == ["10.0.0.1", "192.168.0.0/24"]
    with pytest.raises(ValidationError, match="does not appear to be an IPv4 or IPv6"):
        Settings.model_validate({"trusted_proxies": "proxy.example"})
    cert = tmp_path / "c.pem"
    cert.write_text("x")
    with pytest.raises(ValidationError, match="both"):
        Settings.model_validate({"tls_certfile": cert})
    with pytest.raises(ValidationError, match="does not exist"):
        Settings.model_validate({"tls_certfile": cert, "tls_keyfile": tmp_path / "no.pem"})


def test_a_replaced_setting_names_its_replacement(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANFANG_FACE_THRESHOLD", "0.6")  # a dlib distance, before issue 15
    with pytest.raises(ValidationError) as info:
        Settings()
    assert "ANFANG_FACE_THRESHOLD was replaced by ANFANG_FACE_MIN_SIMILARITY" in (
        config.problem(info.value)
    )
