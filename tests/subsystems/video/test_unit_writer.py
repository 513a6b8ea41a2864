"""RTP packets of one connection into segment files, without a network."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path

import av

from anfang.subsystems.video.adapters.rtp_h26x import Interleaved
from anfang.subsystems.video.adapters.rtsp_wire import Media
from anfang.subsystems.video.segmenter import SegmentDone
from anfang.subsystems.video.unit_writer import UnitWriter
from tests.subsystems.video.adapters.test_rtsp_client import clip, rtp_frames

MEDIA = Media("video", 96, "H264")


def _feed(writer: UnitWriter, units: list[tuple[int, bytes]], seq: int = 1) -> int:
    splitter = Interleaved(0, writer.depack.push)
    for pts, data in units:
        seq, frames = rtp_frames(seq, 4_294_000_000 + pts, data)  # the RTP clock wraps
        splitter.feed(frames)
    return seq


def _writer(root: Path, depth: int, files: list[SegmentDone]) -> UnitWriter:
    return UnitWriter(
        MEDIA,
        root,
        4,
        2.0,
        floor=None,
        reorder_depth=depth,
        on_segment=lambda d, n: files.append(d),
    )


def _frames(root: Path, files: list[SegmentDone]) -> list[int]:
    counts = []
    for f in files:
        with av.open(str(root / f.path)) as c:
            counts.append(sum(1 for _ in c.decode(video=0)))
    return counts


def test_b_frames_ask_for_a_window_then_every_picture_is_written(tmp_path: Path) -> None:
    units = clip(tmp_path / "b.ts")
    files: list[SegmentDone] = []
    first = _writer(tmp_path, 0, files)
    _feed(first, units)
    assert first.failure is not None and first.failure.state == "restart"
    assert first.reorder_wanted
    first.close(datetime.now(UTC))
    files.clear()
    second = _writer(tmp_path, 2, files)
    _feed(second, units)
    assert second.failure is None
    second.close(datetime.now(UTC))
    assert sum(_frames(tmp_path, files)) == 60 and len(files) == 3
    assert all(a.end == b.start for a, b in itertools.pairwise(files))


def test_one_picture_out_of_order_is_dropped_not_a_reconnect(tmp_path: Path) -> None:
    units = clip(tmp_path / "p.ts", bframes=0)
    glitch = [*units[:31], (units[30][0] - 4500, units[31][1]), *units[32:]]
    files: list[SegmentDone] = []
    dropped: list[int] = []

    def done(seg: SegmentDone, n: int) -> None:
        files.append(seg)
        dropped.append(n)

    writer = UnitWriter(MEDIA, tmp_path, 4, 2.0, floor=None, reorder_depth=0, on_segment=done)
    _feed(writer, glitch)
    writer.close(datetime.now(UTC))
    assert writer.failure is None and not writer.reorder_wanted
    assert sum(dropped) == 1 and sum(_frames(tmp_path, files)) == 59


def test_new_parameter_sets_start_a_new_file(tmp_path: Path) -> None:
    small = clip(tmp_path / "s.ts", width=64, bframes=0)
    wide = clip(tmp_path / "w.ts", width=96, bframes=0)
    shift = small[-1][0] + 9000
    files: list[SegmentDone] = []
    writer = _writer(tmp_path, 0, files)
    seq = _feed(writer, small[:25])  # 2.5 s: one whole file and one begun
    _feed(writer, [(pts + shift, data) for pts, data in wide], seq)
    writer.close(datetime.now(UTC))
    widths = []
    for f in files:
        with av.open(str(tmp_path / f.path)) as c:
            widths.append(c.streams.video[0].codec_context.width)
    assert widths[0] == 64 and widths[-1] == 96 and sorted(widths) == widths
    assert writer.failure is None


def test_unwritable_root_is_a_storage_state(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_bytes(b"x")
    files: list[SegmentDone] = []
    writer = _writer(blocker, 0, files)
    _feed(writer, clip(tmp_path / "c.ts", bframes=0)[:15])
    assert writer.failure is not None and writer.failure.state == "storage_error"
    assert not files
