"""The default engine's parts: tiles for small faces, alignment points, liveness crops."""

from __future__ import annotations

import io
import itertools

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from anfang.face import engine, mfn
from anfang.face.imaging import ImageLimits
from tests.face.conftest import FIXTURES

FULL_HD = ImageLimits(max_side=1920)


@given(st.integers(1, 5000), st.integers(1, 2000))
def test_tiles_cover_the_frame_with_overlap(total: int, size: int) -> None:
    starts = mfn._starts(total, size)
    assert starts[0] == 0
    if size >= total:
        assert starts == [0]
        return
    assert starts[-1] + size == total  # the last tile ends at the edge
    for a, b in itertools.pairwise(starts):
        assert 0 < b - a <= size * 3 // 4 + 1  # overlap of at least a quarter


def test_five_points_from_68() -> None:
    pts = np.zeros((68, 2), np.float32)
    pts[36:42] = (30, 40)
    pts[42:48] = (70, 40)
    pts[30] = (50, 60)
    pts[48] = pts[60] = (35, 80)
    pts[54] = pts[64] = (65, 80)
    assert mfn.five_points(pts).tolist() == [[30, 40], [70, 40], [50, 60], [35, 80], [65, 80]]


@given(
    st.integers(0, 600), st.integers(0, 400), st.integers(1, 300), st.integers(1, 300),
)  # fmt: skip
def test_the_liveness_crop_stays_inside_the_frame(x: int, y: int, w: int, h: int) -> None:
    rgb = np.zeros((480, 640, 3), np.uint8)
    box = np.array([x, y, x + w, y + h], np.float32)
    crop = mfn._context_crop(rgb, box, mfn.LIVENESS_SCALE)
    assert crop.shape[0] >= 1 and crop.shape[1] >= 1


def frame_with_face(width: int) -> tuple[bytes, tuple[float, float]]:
    """A 1920×1080 frame with one face ``width`` px wide; its centre."""
    img = Image.open(FIXTURES / "Aaron_Peirsol_0001.jpg")
    s = width / 100  # the LFW face is ~100 px of the 250 px photo, with its hair
    small = img.resize((int(img.width * s), int(img.height * s)), Image.Resampling.LANCZOS)
    frame = Image.new("RGB", (1920, 1080), (118, 118, 118))
    frame.paste(small, (1500, 700))
    out = io.BytesIO()
    frame.save(out, "JPEG", quality=92)
    return out.getvalue(), (1500 + small.width / 2, 700 + small.height / 2)


def test_a_60px_face_in_a_full_hd_frame_is_found_and_described() -> None:
    data, (cx, cy) = frame_with_face(60)
    res = engine.analyse(data, FULL_HD, describe=1)
    assert (res.width, res.height) == (1920, 1080)
    assert len(res.faces) >= 1
    face = res.faces[0]
    assert face.box[0] <= cx <= face.box[2] and face.box[1] <= cy <= face.box[3]
    assert face.descriptor is not None


def test_tiles_can_be_refused() -> None:
    data, _ = frame_with_face(40)
    assert engine.analyse(data, FULL_HD, describe=0, tiles=False).faces == []
    assert len(engine.analyse(data, FULL_HD, describe=0, tiles=None).faces) == 1


def test_liveness_is_a_probability() -> None:
    res = engine.analyse((FIXTURES / "AJ_Lamas_0001.jpg").read_bytes(), FULL_HD, liveness=True)
    live = res.faces[0].liveness
    assert live is not None and 0.0 <= live <= 1.0
    assert res.timings_ms["liveness"] > 0
