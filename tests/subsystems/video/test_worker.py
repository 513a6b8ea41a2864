"""The recording thread against cameras that misbehave at the socket level."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from multiprocessing import Pipe
from pathlib import Path
from typing import Any

import pytest

from anfang.subsystems.video.worker import CameraJob, CameraThread, Reporter


def _server(reply: bytes | None) -> Iterator[int]:
    """A TCP server that accepts and then says nothing (``None``) or ``reply``."""
    srv = socket.create_server(("127.0.0.1", 0))
    port = srv.getsockname()[1]
    conns: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        srv.settimeout(0.1)
        while not stop.is_set():
            try:
                c, _ = srv.accept()
            except TimeoutError:
                continue
            conns.append(c)
            if reply is not None:
                c.sendall(reply)

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    try:
        yield port
    finally:
        stop.set()
        th.join()
        for c in conns:
            c.close()
        srv.close()


@pytest.fixture
def silent() -> Iterator[int]:
    """Accepts connections and never answers."""
    yield from _server(None)


@pytest.fixture
def garbage() -> Iterator[int]:
    """Answers anything with bytes that are not RTSP."""
    yield from _server(b"\x00\xffNOT RTSP AT ALL\r\n\r\n" * 50)


def _states(port: int, tmp_path: Path, wanted: str) -> list[dict[str, Any]]:
    ours, theirs = Pipe()
    job = CameraJob(1, f"rtsp://127.0.0.1:{port}/x", 2.0, "u", "secret-pw", read_timeout=0.5)
    th = CameraThread(job, tmp_path, Reporter(theirs))
    th.start()
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + 15
    try:
        while time.monotonic() < deadline and not any(m.get("state") == wanted for m in got):
            if ours.poll(0.1):
                got.append(ours.recv())
    finally:
        th.stopping.set()
        th.join(10)
    assert not th.is_alive()
    return got


def test_silent_camera_is_unreachable_after_the_timeout(silent: int, tmp_path: Path) -> None:
    got = _states(silent, tmp_path, "unreachable")
    states = [m for m in got if m["t"] == "state"]
    assert states[-1]["state"] == "unreachable"
    assert all("secret-pw" not in str(m) for m in got)
    assert any(m["t"] == "gap_open" for m in got)


def test_garbage_answer_is_a_clear_state_not_a_crash(garbage: int, tmp_path: Path) -> None:
    got = _states(garbage, tmp_path, "unreachable")
    assert got[-1]["state"] == "unreachable" and got[-1]["error"]
    assert not list(tmp_path.rglob("*.mp4*"))
