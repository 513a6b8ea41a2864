"""Recording one camera in the worker's loop: misbehaving sockets and the real simulator."""

from __future__ import annotations

import asyncio
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from multiprocessing import Pipe
from pathlib import Path
from typing import Any

import av
import pytest

from anfang.subsystems.video.camera_task import CameraJob, CameraTask, Reporter
from anfang.subsystems.video.sim import SYSTEM_PYTHON, SimCameraServer, StreamSpec

SMALL = {"width": 320, "height": 180, "fps": 10, "kbps": 150, "gop": 10, "seconds": 4}


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


async def _until(task: CameraTask, ours: Any, pred: Any, limit: float = 20) -> list[dict[str, Any]]:
    """Reports until ``pred(reports)`` holds; the task is stopped afterwards."""
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + limit
    try:
        while time.monotonic() < deadline and not pred(got):
            while ours.poll():
                got.append(ours.recv())
            await asyncio.sleep(0.05)
    finally:
        await asyncio.wait_for(task.stop(), 15)
    while ours.poll():
        got.append(ours.recv())
    return got


def _files(root: Path, pattern: str) -> list[Path]:
    return list(root.rglob(pattern))


def _states(got: list[dict[str, Any]]) -> list[str]:
    return [m["state"] for m in got if m["t"] == "state"]


async def _run(url: str, tmp_path: Path, pred: Any, password: str = "secret-pw") -> Any:
    ours, theirs = Pipe()
    job = CameraJob(1, url, 2.0, "admin", password, read_timeout=0.5, backoff_max=1.0)
    task = CameraTask(job, tmp_path, Reporter(theirs))
    task.start()
    return await _until(task, ours, pred)


async def test_silent_camera_is_unreachable_after_the_timeout(silent: int, tmp_path: Path) -> None:
    got = await _run(
        f"rtsp://127.0.0.1:{silent}/x", tmp_path, lambda g: "unreachable" in _states(g)
    )
    assert "unreachable" in _states(got) and _states(got)[-1] == "stopped"
    assert all("secret-pw" not in str(m) for m in got)
    assert any(m["t"] == "gap_open" for m in got)


async def test_garbage_answer_is_a_clear_state_not_a_crash(garbage: int, tmp_path: Path) -> None:
    got = await _run(
        f"rtsp://127.0.0.1:{garbage}/x", tmp_path, lambda g: "unreachable" in _states(g)
    )
    refused = [m for m in got if m.get("state") == "unreachable"]
    assert "did not answer in RTSP" in refused[0]["error"]
    assert not _files(tmp_path, "*.mp4*")


async def test_closed_port_is_unreachable(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, never listening: refused
        got = await _run(f"rtsp://127.0.0.1:{port}/x", tmp_path, lambda g: len(_states(g)) > 1)
    assert "cannot connect" in [m for m in got if m["t"] == "state"][1]["error"]


needs_sim = pytest.mark.skipif(
    not Path(SYSTEM_PYTHON).exists(), reason="Debian's python3 with GStreamer is missing"
)


@pytest.fixture(scope="module")
def cams(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimCameraServer]:
    """H.264, H.265 and MJPEG cameras, one with its own password."""
    streams = [
        StreamSpec("/h264/main", **SMALL),  # type: ignore[arg-type]
        StreamSpec("/hevc/main", codec="h265", **SMALL),  # type: ignore[arg-type]
        StreamSpec("/mjpeg/main", codec="mjpeg", width=160, height=90, fps=5),
        StreamSpec("/stall/main", **SMALL),  # type: ignore[arg-type]
    ]
    server = SimCameraServer(streams, tmp_path_factory.mktemp("clips"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _segments(got: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in got if m["t"] == "segment"]


@needs_sim
@pytest.mark.parametrize(("path", "codec"), [("/h264/main", "h264"), ("/hevc/main", "hevc")])
async def test_records_playable_contiguous_segments(
    cams: SimCameraServer, tmp_path: Path, path: str, codec: str
) -> None:
    got = await _run(cams.url(path), tmp_path, lambda g: len(_segments(g)) >= 3, "admin")
    segs = _segments(got)
    assert "recording" in _states(got) and all(s["codec"] == codec for s in segs)
    for a, b in itertools.pairwise(segs):
        assert a["end"] == b["start"]  # each file starts where the last one ended
    for seg in segs[:-1]:
        f = tmp_path / seg["path"]
        assert f.stat().st_size == seg["bytes"]
        with av.open(str(f)) as c:
            v = c.streams.video[0]
            assert (v.codec_context.name, v.codec_context.width) == (codec, 320)
            frames = sum(1 for _ in c.decode(v))  # every picture decodes
            assert frames == 20  # 2 s at 10 fps, none lost or doubled
    assert not _files(tmp_path, "*.part")


@needs_sim
async def test_wrong_password_and_mjpeg_are_clear_states(
    cams: SimCameraServer, tmp_path: Path
) -> None:
    got = await _run(cams.url("/h264/main"), tmp_path, lambda g: "unauthorized" in _states(g))
    assert [m["error"] for m in got if m.get("state") == "unauthorized"] == [
        "camera refused the user name or password (401)"
    ]
    got = await _run(
        cams.url("/mjpeg/main"), tmp_path, lambda g: "unsupported" in _states(g), "admin"
    )
    err = next(m["error"] for m in got if m.get("state") == "unsupported")
    assert "mjpeg" in err and not _segments(got)


@needs_sim
async def test_stalled_stream_is_lost_then_recovers(cams: SimCameraServer, tmp_path: Path) -> None:
    ours, theirs = Pipe()
    job = CameraJob(1, cams.url("/stall/main"), 2.0, "admin", "admin", read_timeout=1.0)
    task = CameraTask(job, tmp_path, Reporter(theirs))
    task.start()
    got: list[dict[str, Any]] = []

    async def until(pred: Any) -> None:
        deadline = time.monotonic() + 20
        while not pred() and time.monotonic() < deadline:
            while ours.poll():
                got.append(ours.recv())
            await asyncio.sleep(0.05)
        assert pred()

    try:
        await until(lambda: "recording" in _states(got))
        cams.stall("/stall/main")  # the session stays open, RTCP goes on, video stops
        await until(lambda: "lost" in _states(got))
        cams.up("/stall/main")
        await until(lambda: any(m["t"] == "gap_close" for m in got))
    finally:
        await asyncio.wait_for(task.stop(), 15)
    lost = next(m for m in got if m.get("state") == "lost")
    assert lost["error"] == "no data for 1 s"
    gap = next(m for m in got if m["t"] == "gap_open")
    assert gap["reason"] == "lost"
