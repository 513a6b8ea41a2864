"""Interoperability: SIPp, an independent SIP implementation, plays the GB/T 28181 upper
platform: 401 then 200 (or 403 for a wrong password), a catalog query answered in parts,
keepalive, an alarm notify, and a live INVITE whose PS over RTP is received here and
decoded back into pictures."""

from __future__ import annotations

import asyncio
import shutil
import signal
from pathlib import Path

import av
import pytest

from anfang.app.platform import Platform
from anfang.core.events import Event
from anfang.subsystems.video.sim import SimCameraServer
from anfang.uplink.adapters.ps import Demuxer
from tests.conftest import free_port
from tests.subsystems.video.segfiles import add_camera
from tests.subsystems.video.test_camera_task import needs_sim
from tests.uplink.conftest import LOCAL_ID, PASSWORD, add_devices, configure, until
from tests.uplink.conftest import uplink as uplink_of

SCENARIO = Path(__file__).parents[1] / "fixtures" / "uplink" / "sipp_gb28181_upper.xml"
pytestmark = pytest.mark.skipif(shutil.which("sipp") is None, reason="sipp (sip-tester) missing")


class _Rtp(asyncio.DatagramProtocol):
    def __init__(self, demux: Demuxer) -> None:
        self.demux = demux

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        self.demux.feed(data)


async def _sipp(tmp: Path, port: int, **keys: str) -> asyncio.subprocess.Process:
    args = ["sipp", "-sf", str(SCENARIO), "-i", "127.0.0.1", "-p", str(port), "-d", "2500"]
    for k, v in keys.items():
        args += ["-key", k, v]
    args += ["-trace_logs", "-trace_err", "-nostdin"]
    return await asyncio.create_subprocess_exec(
        *args, cwd=tmp, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )


def _log(tmp: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in tmp.glob("*_logs.log"))


async def _stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.send_signal(signal.SIGUSR1)  # SIPp's "quit now"
        try:
            await asyncio.wait_for(proc.wait(), 5)
        except TimeoutError:
            proc.kill()
            await proc.wait()


@needs_sim
async def test_sipp_upper_registers_queries_gets_alarms_and_video(
    platform: Platform, cams: SimCameraServer, tmp_path: Path
) -> None:
    await add_camera(platform, "CAM-1", main_url=cams.url("/h264/main", credentials=True))
    await add_devices(platform, [("PB-1", "ir_beam")])
    await until(lambda: uplink_of(platform).national_id("CAM-1", None) is not None)
    channel = uplink_of(platform).national_id("CAM-1", None) or ""
    demux = Demuxer()
    loop = asyncio.get_running_loop()
    rtp, _ = await loop.create_datagram_endpoint(lambda: _Rtp(demux), local_addr=("127.0.0.1", 0))
    rtp_port = rtp.get_extra_info("sockname")[1]
    port = free_port()
    proc = await _sipp(
        tmp_path, port, pw=PASSWORD, lower_id=LOCAL_ID, channel=channel, rtp_port=str(rtp_port)
    )
    try:
        pid = await configure(platform, port=port)
        link = uplink_of(platform).links[pid]
        await until(lambda: link.status.state == "registered", 20)
        await platform.pipeline.submit(Event.create("perimeter.intrusion", "PB-1"))
        await until(lambda: "DONE" in _log(tmp_path), 40)
    finally:
        await _stop(proc)
        rtp.close()
    log = _log(tmp_path)
    assert "REGISTERED" in log and "MESSAGE Catalog" in log and "MESSAGE Alarm" in log
    assert link.status.clock_offset_s is not None  # taken from the 200 OK's Date
    assert len(demux.frames) >= 10 and demux.frames[0].keyframe
    decoder = av.CodecContext.create("h264", "r")
    pictures = sum(len(decoder.decode(av.Packet(f.data))) for f in demux.frames)
    assert pictures >= len(demux.frames) - 2


async def test_sipp_upper_refuses_a_wrong_password(platform: Platform, tmp_path: Path) -> None:
    port = free_port()
    keys = {"pw": "not-the-password", "lower_id": LOCAL_ID, "channel": "0", "rtp_port": "9"}
    proc = await _sipp(tmp_path, port, **keys)
    try:
        pid = await configure(platform, port=port)
        link = uplink_of(platform).links[pid]
        await until(lambda: link.status.state == "refused", 20)
    finally:
        await _stop(proc)
    assert "403" in link.status.detail and "REFUSED" in _log(tmp_path)
