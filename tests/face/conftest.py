"""Face test fixtures: real LFW photos, synthetic bad images, one engine per session."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageFilter

from anfang.app.platform import Platform
from anfang.config import Settings
from anfang.face.engine import FaceEngine
from anfang.face.service import FACE, FaceService

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "faces"


def photo(name: str) -> bytes:
    """A fixture photo's bytes (``Aaron_Peirsol_0001`` …)."""
    return (FIXTURES / f"{name}.jpg").read_bytes()


def jpeg(img: Image.Image, quality: int = 90) -> bytes:
    """An image as JPEG bytes."""
    out = io.BytesIO()
    img.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def blurred(name: str, radius: float = 2.0) -> bytes:
    """A fixture photo, Gaussian-blurred."""
    return jpeg(Image.open(FIXTURES / f"{name}.jpg").filter(ImageFilter.GaussianBlur(radius)))


def two_faces() -> bytes:
    """Two people side by side in one picture."""
    a = Image.open(FIXTURES / "Aaron_Peirsol_0001.jpg")
    b = Image.open(FIXTURES / "AJ_Lamas_0001.jpg")
    canvas = Image.new("RGB", (a.width + b.width, max(a.height, b.height)))
    canvas.paste(a, (0, 0))
    canvas.paste(b, (a.width, 0))
    return jpeg(canvas)


def tiny_face() -> bytes:
    """A face about 40 px high in a 320×240 picture: found, but too small to enrol."""
    face = Image.open(FIXTURES / "Aaron_Peirsol_0001.jpg").resize((100, 100))
    canvas = Image.new("RGB", (320, 240), (100, 110, 120))
    canvas.paste(face, (110, 70))
    return jpeg(canvas)


def no_face() -> bytes:
    """A plain gradient: an image with no face."""
    img = Image.linear_gradient("L").resize((320, 240))
    return jpeg(img)


def huge_png(width: int = 30000, height: int = 30000) -> bytes:
    """A tiny PNG file whose header claims ``width``×``height`` pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.fixture(scope="session")
def face_engine() -> Iterator[FaceEngine]:
    """One worker process with the models loaded, shared by every face test."""
    engine = FaceEngine(workers=1)
    yield engine
    engine.close()


@pytest.fixture
def face(platform: Platform, face_engine: FaceEngine) -> FaceService:
    """The platform's face service, running on the session's engine."""
    svc = platform.capabilities.require(FACE)
    assert isinstance(svc, FaceService)
    svc.use_engine(face_engine)
    return svc


@pytest.fixture
async def platform(settings: Settings) -> AsyncIterator[Platform]:
    """A started platform running only the face component of the subsystems' ones:
    face tests do not depend on (nor wait for) other subsystems' listeners."""
    plat = Platform(settings)
    plat.components = [c for c in plat.components if isinstance(c, FaceService)]
    await plat.start()
    try:
        yield plat
    finally:
        await plat.stop()
