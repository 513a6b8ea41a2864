"""Live relay: one upstream per camera, fragmented MP4 to every viewer, latency measured."""

from __future__ import annotations

import asyncio
import itertools
import json
import subprocess
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from anfang.app.platform import Platform
from anfang.subsystems.video.live import LIVE_LATENCY, BoxSplitter, Rebaser
from anfang.subsystems.video.media import MEDIA, MediaService
from tests.conftest import free_port, login
from tests.subsystems.video.helpers import wait_for
from tests.subsystems.video.segfiles import FFMPEG, add_camera


@pytest.fixture
def camera_stream() -> Iterator[str]:
    """A real-time H.264 stream (MPEG-TS over TCP) that takes exactly one connection."""
    port = free_port()
    proc = subprocess.Popen(
        [
            FFMPEG,
            "-hide_banner",
            "-loglevel",
            "quiet",
            "-re",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x240:rate=25",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-tune",
            "zerolatency",
            "-g",
            "25",
            "-f",
            "mpegts",
            f"tcp://127.0.0.1:{port}?listen=1",
        ],
    )
    try:
        yield f"tcp://127.0.0.1:{port}"
    finally:
        proc.kill()
        proc.wait()


def _latency() -> tuple[float, float]:
    total = count = 0.0
    for metric in LIVE_LATENCY.collect():
        for s in metric.samples:
            if s.name.endswith("_sum"):
                total = s.value
            elif s.name.endswith("_count"):
                count = s.value
    return total, count


async def _viewer(url: str, token: str, frames: int) -> tuple[str, list[bytes]]:
    async with connect(url, max_size=None) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5)) == {"type": "auth.ok"}
        head = json.loads(await asyncio.wait_for(ws.recv(), 20))
        assert head["type"] == "init"
        chunks: list[bytes] = []
        while len(chunks) < frames + 1:
            msg = await asyncio.wait_for(ws.recv(), 10)
            assert isinstance(msg, bytes)
            chunks.append(msg)
        return head["mime"], chunks


async def test_two_viewers_share_one_upstream_with_low_latency(
    platform: Platform, live_server: str, app_client: object, camera_stream: str
) -> None:
    import httpx

    assert isinstance(app_client, httpx.AsyncClient)
    token = await login(app_client, "admin", "test-admin-password-1")
    await add_camera(platform, "CAM-L", main_url=camera_stream, sub_url=camera_stream)
    svc = platform.capabilities.require(MEDIA)
    assert isinstance(svc, MediaService)
    svc.live.linger_s = 0.3
    before = _latency()
    ws_url = live_server.replace("http", "ws") + "/api/v1/video/live/CAM-L"
    (mime, a), (_, b) = await asyncio.gather(_viewer(ws_url, token, 50), _viewer(ws_url, token, 50))
    assert mime.startswith('video/mp4; codecs="avc1.')
    for chunks in (a, b):
        assert chunks[0][4:8] == b"ftyp" and b"moov" in chunks[0]
        assert all(c[4:8] == b"moof" for c in chunks[1:])
    assert list(svc.live.relays) == ["CAM-L:sub"]  # the source accepts only one connection
    total, count = _latency()
    n, mean = count - before[1], (total - before[0]) / (count - before[1])
    # One fragment per frame: the muxer closes a fragment when the next frame arrives,
    # so at 25 fps the server adds about 40 ms; 100 ms leaves room for a busy machine.
    assert n >= 100 and mean < 0.1, (n, mean)

    async def stopped() -> bool:  # nobody watches: the relay and its connection stop
        return not svc.live.relays

    await wait_for(stopped, 10, "the idle relay to stop")


async def test_live_refuses_bad_token_and_unknown_camera(
    platform: Platform, live_server: str, admin_token: str
) -> None:
    base = live_server.replace("http", "ws") + "/api/v1/video/live/"
    for url, token in ((base + "CAM-X", "nope"), (base + "CAM-X", admin_token)):
        async with connect(url) as ws:
            await ws.send(json.dumps({"type": "auth", "token": token}))
            with pytest.raises(ConnectionClosed) as info:
                if token == admin_token:
                    assert json.loads(await ws.recv()) == {"type": "auth.ok"}
                await asyncio.wait_for(ws.recv(), 5)
            assert info.value.rcvd is not None and info.value.rcvd.code == 1008


def test_box_splitter_cuts_init_and_fragments_across_chunks() -> None:
    def box(kind: bytes, body: bytes = b"x") -> bytes:
        return (8 + len(body)).to_bytes(4, "big") + kind + body

    stream = box(b"ftyp") + box(b"moov", b"m" * 20) + box(b"moof") + box(b"mdat", b"d" * 9)
    sp = BoxSplitter()
    pieces = [p for i in range(0, len(stream), 3) for p in sp.feed(stream[i : i + 3])]
    assert [k for k, _ in pieces] == ["init", "frag"]
    assert b"".join(p for _, p in pieces) == stream


def test_rebaser_keeps_timestamps_increasing_across_jumps() -> None:
    rebase = Rebaser(max_jump=90000 * 5)
    raw = [1000, 4600, 8200, 8200, 4600, 8200, 11800, 10_000_000, 10_003_600]
    out = [rebase(d, d)[0] for d in raw]
    assert out[:3] == [0, 3600, 7200]
    assert all(b > a for a, b in itertools.pairwise(out))  # MP4 needs strictly rising dts
    assert out[-1] - out[-2] == 3600  # after a jump the camera's own pace goes on
    assert rebase(10_007_200, 10_014_400) == (out[-1] + 3600, out[-1] + 3600 + 7200)


@given(st.lists(st.integers(-(2**40), 2**40), min_size=1, max_size=200))
def test_rebaser_output_always_rises(raw: list[int]) -> None:
    rebase = Rebaser(max_jump=450_000)
    out = [rebase(d, d + 3000) for d in raw]
    assert all(b[0] > a[0] for a, b in itertools.pairwise(out))
    assert all(pts >= dts for dts, pts in out)


boxes = st.lists(
    st.tuples(st.sampled_from([b"moof", b"mdat", b"free", b"styp"]), st.binary(max_size=40)),
    max_size=12,
)


@given(boxes, st.lists(st.integers(1, 50), min_size=1, max_size=20))
def test_box_splitter_any_chunking_gives_the_same_pieces(
    body: list[tuple[bytes, bytes]], cuts: list[int]
) -> None:
    def box(kind: bytes, data: bytes) -> bytes:
        return (8 + len(data)).to_bytes(4, "big") + kind + data

    stream = box(b"ftyp", b"iso5") + box(b"moov", b"m") + b"".join(box(k, d) for k, d in body)
    whole = BoxSplitter().feed(stream)
    sp, pieces, pos, i = BoxSplitter(), [], 0, 0
    while pos < len(stream):
        n = cuts[i % len(cuts)]
        pieces += sp.feed(stream[pos : pos + n])
        pos, i = pos + n, i + 1
    assert pieces == whole and whole[0] == ("init", stream[: 8 + 4 + 8 + 1])
    assert sum(k == "frag" for k, _ in whole) == sum(k == b"mdat" for k, _ in body)
