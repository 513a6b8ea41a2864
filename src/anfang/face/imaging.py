"""Decoding uploaded images safely and cheaply (Pillow): refuse what is not a usable image.

Large JPEGs are decoded at a reduced scale (``draft``), which costs a fraction of a full
decode; detection never needs more than ``max_side`` pixels on the long side.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps, UnidentifiedImageError

from anfang.face.reasons import FaceRefused, Reason

FORMATS = frozenset({"JPEG", "PNG", "BMP", "WEBP"})


@dataclass(frozen=True, slots=True)
class ImageLimits:
    """What an accepted image may be."""

    max_bytes: int = 8 * 1024 * 1024
    max_pixels: int = 40_000_000
    min_side: int = 48
    max_side: int = 1280


def _refuse(code: str, detail: str = "") -> FaceRefused:
    return FaceRefused([Reason(code, detail)])


def decode(data: bytes, limits: ImageLimits) -> NDArray[np.uint8]:
    """The image as an RGB ``uint8`` array (H×W×3), scaled to at most ``max_side``.

    Raises :class:`FaceRefused` with ``image.*`` reasons for empty, oversized, non-image,
    unsupported, broken or too small input.
    """
    if not data:
        raise _refuse("image.empty")
    if len(data) > limits.max_bytes:
        raise _refuse("image.too_large", f"{len(data)} > {limits.max_bytes} bytes")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise _refuse("image.not_image") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _refuse("image.too_many_pixels", f"more pixels than Pillow allows: {exc}") from None
    except Exception as exc:  # Pillow raises many kinds on garbage headers
        raise _refuse("image.broken", type(exc).__name__) from None
    if img.format not in FORMATS:
        raise _refuse("image.unsupported_format", str(img.format))
    w, h = img.size
    if w * h > limits.max_pixels:
        raise _refuse("image.too_many_pixels", f"{w}×{h} > {limits.max_pixels} pixels")
    if min(w, h) < limits.min_side:
        raise _refuse("image.too_small", f"{w}×{h}")
    scale = limits.max_side / max(w, h)
    try:
        if scale < 1 and img.format == "JPEG":
            # DCT-domain downscale by 1/2, 1/4 or 1/8: far cheaper than decoding it all.
            img.draft("RGB", (int(w * scale), int(h * scale)))
        img.load()
        # Phone photos are often stored sideways with an EXIF orientation tag.
        rgb = (ImageOps.exif_transpose(img) or img).convert("RGB")
    except Exception as exc:  # truncated or corrupt data shows only while decoding
        raise _refuse("image.broken", type(exc).__name__) from None
    if max(rgb.size) > limits.max_side:
        s = limits.max_side / max(rgb.size)
        rgb = rgb.resize((round(rgb.width * s), round(rgb.height * s)), Image.Resampling.BILINEAR)
    return np.asarray(rgb, dtype=np.uint8)


def encode_jpeg(rgb: NDArray[np.uint8], quality: int = 85) -> bytes:
    """An RGB array as JPEG bytes (snapshots and stored photos)."""
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, "JPEG", quality=quality)
    return out.getvalue()


def face_crop(rgb: NDArray[np.uint8], box: tuple[int, int, int, int], size: int = 200) -> bytes:
    """A small JPEG of the face with some margin: all that is kept of an enrolment photo
    (and what a change of engine re-enrols from)."""
    left, top, right, bottom = box
    cx, cy = (left + right) / 2, (top + bottom) / 2
    half = max(right - left, bottom - top) * 0.8
    h, w = rgb.shape[:2]
    x0, y0 = max(int(cx - half), 0), max(int(cy - half), 0)
    x1, y1 = min(int(cx + half), w), min(int(cy + half), h)
    img = Image.fromarray(rgb[y0:y1, x0:x1])
    img.thumbnail((size, size), Image.Resampling.BILINEAR)
    return encode_jpeg(np.asarray(img), quality=85)
