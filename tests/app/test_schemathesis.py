"""Schemathesis against a server this test starts: every operation of /openapi.json,
examples, boundary coverage and random fuzzing; no 500, every status documented
(issue 14: the probe found ~76 operations answering 500 and ~109 undocumented statuses)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import ADMIN_PASSWORD, free_port, spawn_server

# Routes that end the test's own session or change its password.
EXCLUDE = r"auth/logout|/me/password|/users/.*/password"


def _token(base: str, proc: subprocess.Popen[bytes]) -> str:
    with httpx.Client(base_url=base) as c:
        for _ in range(600):
            assert proc.poll() is None, "server exited"
            try:
                r = c.post(
                    "/api/v1/auth/token", json={"username": "admin", "password": ADMIN_PASSWORD}
                )
            except httpx.HTTPError:
                time.sleep(0.05)
                continue
            token: str = r.json()["access_token"]
            return token
    raise AssertionError("server did not come up")


@pytest.mark.slow
def test_schemathesis_finds_no_500_and_no_undocumented_status(tmp_path: Path) -> None:
    st = shutil.which("st", path=str(Path(sys.executable).parent))
    assert st is not None, "schemathesis is a dev dependency (pyproject)"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        proc = spawn_server(tmp_path / "data", port, log=out, video_recording="false")
    try:
        token = _token(base, proc)
        args = [
            st, "run", f"{base}/openapi.json",
            "-H", f"Authorization: Bearer {token}",
            "-c", "not_a_server_error,status_code_conformance",
            "-n", "8", "--phases", "examples,coverage,fuzzing",
            "--no-shrink", "--seed", "14", "--request-timeout", "15",
            "--exclude-path-regex", EXCLUDE,
        ]  # fmt: skip
        run = subprocess.run(  # in tmp_path: schemathesis keeps a cache in its directory
            args,
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ, "NO_COLOR": "1"},
            cwd=tmp_path,
        )
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    report = run.stdout[-6000:] + run.stderr[-2000:]
    assert run.returncode == 0, report
    assert "Tested: " in run.stdout
    server = log.read_text(errors="replace")
    assert "Traceback" not in server, server[-4000:]
