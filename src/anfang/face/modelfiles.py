"""The face model files shipped in the package (``anfang/face/onnx/``, see its NOTICE.md):
where they are and whether they are the files we measured (sha256, checked at start)."""

from __future__ import annotations

import functools
import hashlib
from importlib import resources
from pathlib import Path

# From faceplugin-face-recognition-js 0.0.1 (npm), unchanged.
SHA256: dict[str, str] = {
    "fr_detect.onnx": "6c0256ccd3164f844736a401faf936ec2930764a87ae39442180887d0c5c8854",
    "fr_landmark.onnx": "f10b0ba1d2a8a099adefede1ebf3733e44fe370715e7303dbeb7f59c02142258",
    "fr_feature.onnx": "87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581",
    "fr_liveness.onnx": "afa783b7e902fdfcf323a7240cac2a1c580c25314ea4161129dc1b0d100dc32d",
}


class ModelFileError(RuntimeError):
    """A model file is missing or is not the file that was measured."""


def folder() -> Path:
    """The folder of the shipped model files."""
    return Path(str(resources.files("anfang.face").joinpath("onnx")))


def digest(path: Path) -> str:
    """The sha256 of a file, read in blocks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check(base: Path | None = None) -> dict[str, Path]:
    """Every model file's path, after checking it exists and has its recorded hash.

    Raises :class:`ModelFileError` with one line naming the first bad file.
    """
    base = base or folder()
    out: dict[str, Path] = {}
    for name, want in SHA256.items():
        path = base / name
        if not path.is_file():
            raise ModelFileError(f"face model file {path} is missing: reinstall anfang")
        got = digest(path)
        if got != want:
            raise ModelFileError(
                f"face model file {path} has sha256 {got[:16]}…, not the recorded "
                f"{want[:16]}…: it was changed or damaged; reinstall anfang"
            )
        out[name] = path
    return out


@functools.cache
def checked() -> dict[str, Path]:
    """:func:`check` once per process."""
    return check()
