"""Cutting packets into segments: keyframe cuts, joined times, refused packets."""

from __future__ import annotations

import itertools
from datetime import timedelta
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anfang.subsystems.video.segmenter import Segmenter


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six seconds of H.264 (libx264), 10 fps, a keyframe every second, in MPEG-TS."""
    path = tmp_path_factory.mktemp("seg") / "clip.ts"
    with av.open(str(path), "w") as out:
        st = out.add_stream(
            "libx264",
            rate=10,
            options={"x264-params": "keyint=10:min-keyint=10:scenecut=0:bframes=0"},
        )
        st.width, st.height, st.pix_fmt = 64, 48, "yuv420p"
        for i in range(60):
            img = np.full((48, 64, 3), (i * 7) % 255, dtype=np.uint8)
            for pkt in st.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(pkt)
        for pkt in st.encode(None):
            out.mux(pkt)
    return path


def test_cuts_on_keyframes_with_contiguous_times(clip: Path, tmp_path: Path) -> None:
    with av.open(str(clip)) as c:
        stream = c.streams.video[0]
        seg = Segmenter(tmp_path, 7, stream, 2.0, "h264")
        done = []
        for i, pkt in enumerate(c.demux(stream)):
            if pkt.dts is None:
                continue
            if i == 15:  # a copy of a packet already written: refused, not muxed
                assert pkt.pts is not None
                dup = av.Packet(bytes(pkt))
                dup.dts, dup.pts, dup.time_base = pkt.dts - 27000, pkt.pts - 27000, pkt.time_base
                assert seg.write(dup) is None
            if (d := seg.write(pkt)) is not None:
                done.append(d)
        done += seg.close()
    assert len(done) == 3 and seg.take_dropped() == 1
    for a, b in itertools.pairwise(done):
        assert b.start == a.end
    for d in done:
        assert abs((d.end - d.start) - timedelta(seconds=2)) < timedelta(milliseconds=1)
        f = tmp_path / d.path
        assert d.path.startswith("7/") and f.stat().st_size == d.bytes
        with av.open(str(f)) as c2:
            v = c2.streams.video[0]
            n = sum(1 for p in c2.demux(v) if p.size)
            assert n == 20 and v.duration is not None
            assert v.duration * (v.time_base or Fraction(1)) == pytest.approx(2.0, abs=0.01)
    assert not list(tmp_path.rglob("*.part"))


def test_write_failure_keeps_finished_segments(
    clip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with av.open(str(clip)) as c:
        stream = c.streams.video[0]
        seg = Segmenter(tmp_path, 3, stream, 2.0, "h264")
        pkts = [p for p in c.demux(stream) if p.dts is not None]
        for p in pkts[:20]:
            assert seg.write(p) is None

        def disk_full(*_: object) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(seg, "_open", disk_full)  # the next segment cannot be created
        with pytest.raises(OSError):
            seg.write(pkts[20])  # the keyframe that cuts: the first file is complete
        done = seg.close()
    assert seg.close_error is None  # close itself had nothing left to write
    assert len(done) == 1 and (tmp_path / done[0].path).stat().st_size == done[0].bytes
    assert not list(tmp_path.rglob("*.part"))


def test_clock_jumping_back_starts_a_new_segment(clip: Path, tmp_path: Path) -> None:
    """A camera that restarts its clock is followed, not ignored for ever."""
    with av.open(str(clip)) as c:
        stream = c.streams.video[0]
        pkts = [p for p in c.demux(stream) if p.dts is not None]
        copies = []
        for p in pkts[:40]:  # the clock restarts: timestamps behind what was written
            again = av.Packet(bytes(p))
            again.dts, again.pts, again.time_base = p.dts, p.pts, p.time_base
            again.is_keyframe = p.is_keyframe
            copies.append(again)
        seg = Segmenter(tmp_path, 5, stream, 60.0, "h264")
        for p in pkts:
            assert seg.write(p) is None
        done = [d for p in copies if (d := seg.write(p)) is not None]
        done += seg.close()
    assert len(done) == 2 and done[0].end <= done[1].start
    assert seg.take_dropped() == 30  # up to the first keyframe after a second of them
    with av.open(str(tmp_path / done[1].path)) as c2:
        assert sum(1 for _ in c2.decode(video=0)) == 10


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            # Steps between timestamps: mostly forward, sometimes back, sometimes none.
            st.one_of(st.none(), st.integers(min_value=-50_000, max_value=60_000)),
            st.booleans(),
            st.binary(min_size=0, max_size=64),
        ),
        max_size=150,
    )
)
def test_any_packet_sequence_gives_a_sound_index(
    clip: Path, tmp_path_factory: pytest.TempPathFactory, pkts: list[tuple[int | None, bool, bytes]]
) -> None:
    """Garbage timestamps, flags and payloads: no exception, segments in order, files whole."""
    root = tmp_path_factory.mktemp("fuzz")
    with av.open(str(clip)) as c:
        seg = Segmenter(root, 9, c.streams.video[0], 2.0, "h264")
        done = []
        dts = 0
        for step, key, data in pkts:
            p = av.Packet(data)
            if step is not None:
                dts += step
                p.dts, p.pts = dts, dts
            p.is_keyframe = key
            p.time_base = Fraction(1, 90000)
            if (d := seg.write(p)) is not None:
                done.append(d)
        done += seg.close()
    assert seg.close_error is None
    for a, b in itertools.pairwise(done):
        assert a.start <= a.end <= b.start and a.path != b.path
    for d in done:
        assert (root / d.path).stat().st_size == d.bytes
    assert not list(root.rglob("*.part"))
