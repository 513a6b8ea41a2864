"""Decoding uploads: every kind of bad input is refused with its own reason."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from anfang.face.imaging import ImageLimits, decode
from anfang.face.reasons import FaceRefused
from tests.face.conftest import huge_png, jpeg, photo

LIMITS = ImageLimits()


def code_of(data: bytes, limits: ImageLimits = LIMITS) -> str:
    with pytest.raises(FaceRefused) as info:
        decode(data, limits)
    return info.value.reasons[0].code


def test_real_photo_decodes_to_rgb() -> None:
    data = photo("Aaron_Peirsol_0001")
    rgb = decode(data, LIMITS)
    w, h = Image.open(io.BytesIO(data)).size
    assert rgb.shape == (h, w, 3)
    assert rgb.dtype.name == "uint8"


def test_refusals_name_the_problem() -> None:
    data = photo("Aaron_Peirsol_0001")
    assert code_of(b"") == "image.empty"
    assert code_of(b"hello, this is text not a picture") == "image.not_image"
    assert code_of(data[: len(data) // 2]) == "image.broken"
    assert code_of(huge_png()) == "image.too_many_pixels"
    assert code_of(data, ImageLimits(max_bytes=1000)) == "image.too_large"
    assert code_of(jpeg(Image.new("RGB", (20, 20)))) == "image.too_small"
    gif = io.BytesIO()
    Image.new("RGB", (100, 100)).save(gif, "GIF")
    assert code_of(gif.getvalue()) == "image.unsupported_format"


def test_statuses_and_messages() -> None:
    with pytest.raises(FaceRefused) as info:
        decode(huge_png(), LIMITS)
    reason = info.value.reasons[0]
    assert info.value.status == 413
    assert reason.zh and reason.en and "pixels" in reason.detail
    with pytest.raises(FaceRefused) as info:
        decode(b"xx", LIMITS)
    assert info.value.status == 422


def test_large_jpeg_is_scaled_down() -> None:
    big = jpeg(Image.new("RGB", (4000, 3000), (120, 90, 60)))
    rgb = decode(big, LIMITS)
    assert max(rgb.shape[:2]) == LIMITS.max_side
    assert rgb.shape[0] / rgb.shape[1] == pytest.approx(0.75, abs=0.01)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2048))
def test_garbage_never_crashes(data: bytes) -> None:
    try:
        decode(data, LIMITS)
    except FaceRefused as exc:
        assert exc.reasons[0].code.startswith("image.")


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=10, max_value=6000), st.data())
def test_mangled_jpeg_never_crashes(cut: int, data: st.DataObject) -> None:
    raw = bytearray(photo("AJ_Lamas_0001"))
    pos = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
    raw[pos] ^= 0xFF
    try:
        decode(bytes(raw[: cut + 200]), LIMITS)
    except FaceRefused as exc:
        assert exc.reasons[0].code.startswith("image.")


def test_exif_orientation_is_applied() -> None:
    upright = Image.open(io.BytesIO(photo("AJ_Lamas_0001")))
    stored = upright.rotate(90, expand=True)  # how a phone stores a portrait shot
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    out = io.BytesIO()
    stored.save(out, "JPEG", quality=95, exif=exif.tobytes())
    rgb = decode(out.getvalue(), LIMITS)
    ref = np.asarray(upright.convert("RGB"), dtype=np.int16)
    assert rgb.shape == ref.shape
    assert np.abs(rgb.astype(np.int16) - ref).mean() < 6
