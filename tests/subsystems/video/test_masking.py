"""Masking for publication: plates found by their colour, faces by the face engine's
detector, both pixelated beyond recognition in the re-encoded file."""

from __future__ import annotations

import asyncio
import multiprocessing
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from anfang.subsystems.video import masking
from anfang.subsystems.video.export import Source, export_range
from tests.subsystems.video.segfiles import make_segments

FACE = "Aaron_Guiel_0001.jpg"
PLATE = "京PL3N67.jpg"
FACE_AT = (60, 80, 260, 280)  # left, top, right, bottom in the test frame
PLATE_AT = (380, 250, 568, 298)


def _image(package: str, name: str, size: tuple[int, int]) -> NDArray[np.uint8]:
    raw = resources.files(package).joinpath(name).read_bytes()
    path = Path("/tmp") / f"anfang-mask-{name}"
    path.write_bytes(raw)
    return np.asarray(Image.open(path).convert("RGB").resize(size))


def scene() -> NDArray[np.uint8]:
    """A grey street scene: a person's face at the left, a car's blue plate at the right."""
    rgb = np.full((360, 640, 3), 128, np.uint8)
    rgb[200:330, 340:610] = (40, 40, 48)  # the car
    face = _image("anfang.subsystems.access.demo_faces", FACE, (200, 200))
    plate = _image("anfang.subsystems.parking.demo_plates", PLATE, (188, 48))
    rgb[FACE_AT[1] : FACE_AT[3], FACE_AT[0] : FACE_AT[2]] = face
    rgb[PLATE_AT[1] : PLATE_AT[3], PLATE_AT[0] : PLATE_AT[2]] = plate
    return rgb


def write_clip(path: Path, frames: int = 12) -> None:
    """The scene as a short H.264 MP4."""
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 640, 360, "yuv420p"
        for _ in range(frames):
            for packet in stream.encode(av.VideoFrame.from_ndarray(scene(), format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def _inside(box: masking.Box, want: masking.Box) -> bool:
    return (
        box[0] <= want[0] + 10
        and box[1] <= want[1] + 10
        and box[2] >= want[2] - 10
        and box[3] >= want[3] - 10
    )


def test_plate_found_by_colour_and_nothing_in_a_plain_frame() -> None:
    bgr = scene()[:, :, ::-1].copy()
    boxes = masking.plate_boxes(bgr)
    assert any(_inside(b, PLATE_AT) for b in boxes), boxes
    assert masking.plate_boxes(np.full((360, 640, 3), 128, np.uint8)) == []


def test_pixelate_leaves_only_blocks() -> None:
    rgb = scene()
    masking.pixelate(rgb, [FACE_AT])
    region = rgb[FACE_AT[1] : FACE_AT[3], FACE_AT[0] : FACE_AT[2]].astype(int)
    # Blocks of about 16 px: neighbouring pixels inside a block are equal.
    assert (np.abs(np.diff(region[:12, :12], axis=1)).sum()) == 0


def _detail(rgb: NDArray[Any], box: masking.Box) -> float:
    region = rgb[box[1] : box[3], box[0] : box[2]].astype(float)
    return float(np.abs(np.diff(region, axis=1)).mean())


def test_mask_file_hides_face_and_plate(tmp_path: Path) -> None:
    src, dest = tmp_path / "in.mp4", tmp_path / "out.mp4"
    write_clip(src)
    done = masking.mask_file(src, dest)
    assert done.frames == 12 and done.faces >= 1 and done.plates >= 1
    with av.open(str(src)) as a, av.open(str(dest)) as b:
        before = next(a.decode(video=0)).to_ndarray(format="rgb24")
        after = next(b.decode(video=0)).to_ndarray(format="rgb24")
    face_middle = (110, 130, 210, 250)  # eyes, nose and mouth
    for box in (face_middle, PLATE_AT):
        # Blocks of ~16 px: the fine detail is gone (block edges and H.264 noise remain).
        assert _detail(after, box) < 0.5 * _detail(before, box), box
    corner = (0, 0, 50, 50)  # the rest of the picture is left as it was
    assert abs(float(after[:50, :50].mean()) - float(before[:50, :50].mean())) < 4
    assert _detail(after, corner) < 2


async def test_masking_in_a_worker_reports_its_progress(tmp_path: Path) -> None:
    src, dest = tmp_path / "in.mp4", tmp_path / "out.mp4"
    write_clip(src, frames=60)
    reports: list[tuple[int, int]] = []
    done = await masking.mask_in_worker(
        src, dest, "mobilefacenet", lambda d, t: reports.append((d, t))
    )
    assert done.frames == 60 and dest.exists()
    assert reports, "no progress reported"
    assert all(total == 60 and done % masking.REPORT_EVERY == 0 for done, total in reports)
    assert [d for d, _ in reports] == sorted(d for d, _ in reports)


async def test_a_cancelled_masking_stops_its_process_and_a_failed_one_says_why(
    tmp_path: Path,
) -> None:
    src, dest = tmp_path / "in.mp4", tmp_path / "out.mp4"
    write_clip(src, frames=600)
    started = asyncio.Event()
    task = asyncio.create_task(
        masking.mask_in_worker(src, dest, "mobilefacenet", lambda d, t: started.set())
    )
    async with asyncio.timeout(60):
        await started.wait()
    task.cancel()
    async with asyncio.timeout(10):  # the process is stopped, not waited for
        with pytest.raises(asyncio.CancelledError):
            await task
    assert not dest.exists()
    assert not [p for p in multiprocessing.active_children() if p.name == "anfang-mask"]
    with pytest.raises(RuntimeError, match="masking failed"):
        await masking.mask_in_worker(tmp_path / "missing.mp4", dest, "mobilefacenet", print)


def test_a_cut_across_a_hole_is_masked_on_its_own_timeline(tmp_path: Path) -> None:
    """An export across a hole averages an odd rate (about 20.5 fps here); the masked file
    keeps the cut's time base, so neighbouring frames never share a timestamp."""
    t0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    segs = make_segments(tmp_path, "CAM", t0, 3) + make_segments(
        tmp_path, "CAM", t0 + timedelta(seconds=8), 2
    )
    cut = tmp_path / "cut.mp4"
    export_range(
        [Source(tmp_path / rel, at) for rel, at, _, _ in segs],
        t0 + timedelta(seconds=1),
        t0 + timedelta(seconds=11),
        cut,
    )
    done = masking.mask_file(cut, tmp_path / "out.mp4")
    with av.open(str(cut)) as a, av.open(str(tmp_path / "out.mp4")) as b:
        before = [f.time for f in a.decode(video=0)]
        after = [f.time for f in b.decode(video=0)]
    assert done.frames == len(before) == len(after)
    assert after == sorted(set(after))  # strictly increasing
    assert abs(after[-1] - before[-1]) < 0.05  # the hole is still a hole in time
