"""The RTSP client against a camera written here: Digest auth, B-frames, interleaved RTP.

The GStreamer simulator covers Basic auth and cameras without B-frames; this small camera
asks for Digest (as Hikvision and Dahua cameras do) and sends H.264 with B-frames, whose
RTP timestamps (presentation times) go backwards in decoding order.
"""

from __future__ import annotations

import asyncio
import hashlib
import struct
import time
from collections.abc import AsyncIterator
from multiprocessing import Pipe
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from anfang.subsystems.video.adapters.rtsp_client import RtspError, connect
from anfang.subsystems.video.camera_task import CameraJob, CameraTask, Reporter

NONCE, REALM = "4e6f6e6365", "IP Camera"


def clip(path: Path, width: int = 64, bframes: int = 2) -> list[tuple[int, bytes]]:
    """Six seconds of 10 fps H.264 (B-frames); (pts in 90 kHz, Annex B) in decoding order."""
    with av.open(str(path), "w", format="mpegts") as out:
        params = f"keyint=10:min-keyint=10:bframes={bframes}"
        st = out.add_stream("libx264", rate=10, options={"x264-params": params})
        st.width, st.height, st.pix_fmt = width, 48, "yuv420p"
        for i in range(60):
            img = np.full((48, 64, 3), (i * 9) % 255, dtype=np.uint8)
            out.mux(st.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
        out.mux(st.encode(None))
    with av.open(str(path)) as c:
        return [(int(p.pts), bytes(p)) for p in c.demux(video=0) if p.pts is not None and p.size]


def _nals(annexb: bytes) -> list[bytes]:
    return [n.lstrip(b"\x00") for n in annexb.split(b"\x00\x00\x01") if n.strip(b"\x00")]


def rtp_frames(seq: int, pts: int, annexb: bytes) -> tuple[int, bytes]:
    """One unit as interleaved RTP (channel 0; FU-A over 400 bytes); the next sequence."""
    out = b""
    for nal in _nals(annexb):
        pieces = (
            [nal]
            if len(nal) <= 400
            else [nal[1:][i : i + 400] for i in range(0, len(nal) - 1, 400)]
        )
        for i, piece in enumerate(pieces):
            if len(pieces) > 1:
                fu = (
                    (nal[0] & 0x1F)
                    | (0x80 if i == 0 else 0)
                    | (0x40 if i == len(pieces) - 1 else 0)
                )
                piece = bytes(((nal[0] & 0xE0) | 28, fu)) + piece
            pkt = struct.pack("!BBHII", 0x80, 96, seq & 0xFFFF, pts & 0xFFFFFFFF, 7) + piece
            out += b"$\x00" + len(pkt).to_bytes(2, "big") + pkt
            seq += 1
    return seq, out


def _digest_ok(req: str, method: str) -> bool:
    auth = next((ln for ln in req.split("\r\n") if ln.lower().startswith("authorization:")), "")
    fields = dict(
        part.strip().split("=", 1)
        for part in auth.partition("Digest ")[2].split(",")
        if "=" in part
    )
    f = {k: v.strip('"') for k, v in fields.items()}

    def md5(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()

    ha1, ha2 = md5(f"admin:{REALM}:cam-pw"), md5(f"{method}:{f.get('uri', '')}")
    want = md5(f"{ha1}:{NONCE}:{f.get('nc')}:{f.get('cnonce')}:auth:{ha2}")
    return f.get("response") == want


@pytest.fixture
async def camera(tmp_path: Path) -> AsyncIterator[tuple[int, list[str]]]:
    """The camera's port and the methods it saw (with a 401 noted as ``401``)."""
    units = clip(tmp_path / "clip.ts")
    seen: list[str] = []

    handlers: list[asyncio.Task[Any]] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handlers.append(asyncio.current_task())  # type: ignore[arg-type]
        try:
            while True:
                req = (await reader.readuntil(b"\r\n\r\n")).decode()
                method = req.split(" ", 1)[0]
                cseq = next(ln for ln in req.split("\r\n") if ln.startswith("CSeq")).split(":")[1]
                head, body = f"RTSP/1.0 200 OK\r\nCSeq:{cseq}\r\n", ""
                if method not in ("OPTIONS", "TEARDOWN") and not _digest_ok(req, method):
                    seen.append("401")
                    head = f"RTSP/1.0 401 Unauthorized\r\nCSeq:{cseq}\r\n"
                    head += f'WWW-Authenticate: Basic realm="{REALM}"\r\n'
                    head += (
                        f'WWW-Authenticate: Digest realm="{REALM}", nonce="{NONCE}", qop="auth"\r\n'
                    )
                elif method == "DESCRIBE":
                    body = "v=0\r\ns=cam\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
                    body += "a=control:trackID=1\r\n"
                    head += "Content-Type: application/sdp\r\n"
                elif method == "SETUP":
                    head += "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"
                    head += "Session: 77;timeout=60\r\n"
                if not head.startswith("RTSP/1.0 401"):
                    seen.append(method)
                writer.write(f"{head}Content-Length: {len(body)}\r\n\r\n{body}".encode())
                if seen[-1] == "PLAY":
                    seq, base = 1000, 4_000_000_000  # the RTP clock wraps within the clip
                    for pts, data in units:
                        seq, frames = rtp_frames(seq, base + pts, data)
                        writer.write(frames)
                    await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass  # the client went, or the test is over
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1], seen
    finally:
        server.close()
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)


async def test_digest_challenge_answered_and_wrong_password_refused(
    camera: tuple[int, list[str]],
) -> None:
    port, seen = camera
    conn = await connect(f"rtsp://admin:cam-pw@127.0.0.1:{port}/Streaming/101", 2.0)
    media = await conn.start(lambda m: m[0], lambda m: lambda p: None)
    await conn.close()
    assert media.codec == "h264" and media.control.endswith("/Streaming/101/trackID=1")
    assert seen[:4] == ["OPTIONS", "401", "DESCRIBE", "SETUP"] and "PLAY" in seen
    bad = await connect(f"rtsp://admin:wrong@127.0.0.1:{port}/Streaming/101", 2.0)
    with pytest.raises(RtspError) as err:
        await bad.start(lambda m: m[0], lambda m: lambda p: None)
    await bad.close()
    assert err.value.status == 401


async def test_b_frames_are_reordered_into_playable_files(
    camera: tuple[int, list[str]], tmp_path: Path
) -> None:
    port, _ = camera
    ours, theirs = Pipe()
    job = CameraJob(3, f"rtsp://127.0.0.1:{port}/s", 2.0, "admin", "cam-pw", read_timeout=1.0)
    task = CameraTask(job, tmp_path, Reporter(theirs))
    task.start()
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + 20
    try:
        while time.monotonic() < deadline and not any(m.get("state") == "lost" for m in got):
            while ours.poll():
                got.append(ours.recv())
            await asyncio.sleep(0.05)
    finally:
        await asyncio.wait_for(task.stop(), 15)
    while ours.poll():
        got.append(ours.recv())
    gaps = [m for m in got if m["t"] == "gap_open"]
    assert gaps[0]["reason"].startswith("B-frames")  # first connection: found out of order
    assert task.reorder_depth == 2
    segs = [m for m in got if m["t"] == "segment"]
    frames, first = 0, 0
    for seg in segs:
        with av.open(str(tmp_path / seg["path"])) as c:
            v = c.streams.video[0]
            dts = [p.dts for p in c.demux(v) if p.size and p.dts is not None]
            assert dts == sorted(dts)
        with av.open(str(tmp_path / seg["path"])) as c:
            n = sum(1 for _ in c.decode(video=0))
            frames += n
            first = first or n
    # Every picture of the second connection (the first ones came with PLAY's answer), in
    # files that decode, plus the first connection's before it found the B-frames.
    assert frames - first == 60
