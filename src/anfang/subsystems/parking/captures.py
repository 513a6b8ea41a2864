"""Plate captures (the crop or scene a camera sent with a read): checked to be a JPEG or
PNG of sane size, sealed with ``platform.secrets`` (a plate is personal data) under
``data_dir/parking/captures/YYYYMMDD/<hex>.sealed``, named ``YYYYMMDD/<hex>.jpg`` in the
read's event. A read whose image is broken keeps its decision; the event says why the
image was dropped."""

from __future__ import annotations

import io
import logging
import os
import re
import secrets
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from anfang.core.secretbox import SecretError

if TYPE_CHECKING:
    from anfang.kernel import Kernel

log = logging.getLogger(__name__)
MAX_PIXELS = 4096 * 4096
_NAME_RE = re.compile(r"([0-9]{8}/[0-9a-f]{24})\.jpg")


class ImageRefused(ValueError):
    """An image not kept; the message says why."""


def root(platform: Kernel) -> Path:
    """Where plate captures are kept."""
    return platform.settings.data_dir / "parking" / "captures"


def check(image: bytes) -> None:
    """Refuse what is not a whole JPEG or PNG of at most 4096×4096 pixels."""
    from PIL import Image, UnidentifiedImageError

    if not image.startswith((b"\xff\xd8", b"\x89PNG")):
        raise ImageRefused("not a JPEG or PNG")
    try:
        with Image.open(io.BytesIO(image)) as im:
            if im.width * im.height > MAX_PIXELS:
                raise ImageRefused(f"{im.width}×{im.height} pixels is too large")
            im.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, ImageRefused):
            raise
        raise ImageRefused(f"image does not decode: {exc}") from None


def save(platform: Kernel, image: bytes, at: datetime) -> str:
    """Check, seal and write an image (blocking: call in a thread); its API name."""
    check(image)
    day = at.strftime("%Y%m%d")
    key = f"{day}/{secrets.token_hex(12)}"
    folder = root(platform) / day
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f"{key.split('/')[1]}.tmp"
    tmp.write_bytes(platform.secrets.seal(image, f"parking_capture:{key}"))
    os.replace(tmp, root(platform) / f"{key}.sealed")
    return f"{key}.jpg"


def discard(platform: Kernel, name: str) -> None:
    """Remove a capture no event names (its read was a retransmission)."""
    m = _NAME_RE.fullmatch(name)
    if m is not None:
        (root(platform) / f"{m.group(1)}.sealed").unlink(missing_ok=True)


def read(platform: Kernel, name: str) -> bytes | None:
    """A capture by its API name; None when malformed, missing or not opening."""
    m = _NAME_RE.fullmatch(name)
    if m is None:
        return None
    try:
        sealed = (root(platform) / f"{m.group(1)}.sealed").read_bytes()
        return platform.secrets.open(sealed, f"parking_capture:{m.group(1)}")
    except (OSError, SecretError) as exc:
        if not isinstance(exc, FileNotFoundError):
            log.warning("plate capture %s does not open: %s", name, exc)
        return None
