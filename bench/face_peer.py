"""The peer: the ``face_recognition`` library's own pipeline (``load_image_file``,
``face_locations`` with its default one upsample, ``face_encodings`` with its default
5-point model and ``num_jitters=1``).

Install it for the benchmark only: ``pip install --no-deps face_recognition`` (its
dependency ``dlib`` would be built from source; dlib-bin provides the module). Its import
of ``face_recognition_models`` breaks on new setuptools (``pkg_resources``), so a stand-in
module giving the same four model paths is placed in ``sys.modules`` first.
"""

from __future__ import annotations

import importlib
import io
import sys
import types
from typing import Any

import numpy as np
from PIL import ImageFile

from anfang.face.dlib_engine import model_dir


def load() -> Any | None:
    """The ``face_recognition`` module, or None when it is not installed."""
    folder = model_dir()
    shim = types.ModuleType("face_recognition_models")
    paths = {
        "pose_predictor_model_location": "shape_predictor_68_face_landmarks.dat",
        "pose_predictor_five_point_model_location": "shape_predictor_5_face_landmarks.dat",
        "face_recognition_model_location": "dlib_face_recognition_resnet_model_v1.dat",
        "cnn_face_detector_model_location": "mmod_human_face_detector.dat",
    }
    for fn, name in paths.items():
        setattr(shim, fn, lambda name=name: str(folder / name))
    sys.modules.setdefault("face_recognition_models", shim)
    try:
        # imported by name: installed only for the benchmark (pip install --no-deps)
        truncated = ImageFile.LOAD_TRUNCATED_IMAGES
        peer = importlib.import_module("face_recognition")
    except ImportError:
        return None
    finally:
        # face_recognition switches Pillow to accept truncated images for the whole
        # process; anfang refuses them (image.broken), so put the global back.
        ImageFile.LOAD_TRUNCATED_IMAGES = truncated
    return peer


def describe(fr: Any, data: bytes) -> tuple[np.ndarray | None, int]:
    """The peer's descriptor of the largest face of an image (None: no face), and faces."""
    img = fr.load_image_file(io.BytesIO(data))
    locs = fr.face_locations(img)
    if not locs:
        return None, 0
    largest = max(locs, key=lambda b: (b[2] - b[0]) * (b[1] - b[3]))
    enc = fr.face_encodings(img, [largest])[0]
    return np.asarray(enc, dtype=np.float32), len(locs)


def version() -> str:
    """The installed distribution's version."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("face_recognition")
    except PackageNotFoundError:
        return "?"
