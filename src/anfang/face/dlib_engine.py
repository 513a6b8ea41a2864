"""The alternative face engine: dlib's HOG detector, 5-point landmarks and 2017 ResNet
(128-d), public-domain models from the ``face-recognition-models`` package, found
without importing it (its ``__init__`` imports ``pkg_resources``, which new setuptools
no longer ships). dlib is single-threaded; it has no liveness model.
"""

from __future__ import annotations

import functools
import importlib.util
import time
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from anfang.face import quality
from anfang.face.faces import FaceInfo, Timings

MODEL_ID = "dlib-resnet-v1"
DIM = 128
SHAPE_MODEL = "shape_predictor_5_face_landmarks.dat"  # public domain (the 68-point one is not)
RESNET_MODEL = "dlib_face_recognition_resnet_model_v1.dat"
# Small images (long side at most this) where no face shows are searched again at twice
# the size: HOG finds no face under ~70 px.
UPSAMPLE_BELOW = 400


@functools.cache
def model_dir() -> Path:
    """The folder holding dlib's model files (looked up once per process)."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("face-recognition-models is not installed (pip install it)")
    folder = Path(next(iter(spec.submodule_search_locations))) / "models"
    for name in (SHAPE_MODEL, RESNET_MODEL):
        if not (folder / name).is_file():
            raise RuntimeError(f"{folder / name} is missing: reinstall face-recognition-models")
    return folder


class DlibResNet:
    """dlib's models (one instance per worker process)."""

    model_id = MODEL_ID
    dim = DIM

    def __init__(self) -> None:
        import dlib  # type: ignore[import-untyped]

        folder = model_dir()
        self.detector: Any = dlib.get_frontal_face_detector()
        self.shape: Any = dlib.shape_predictor(str(folder / SHAPE_MODEL))
        self.resnet: Any = dlib.face_recognition_model_v1(str(folder / RESNET_MODEL))

    def faces(
        self, rgb: NDArray[np.uint8], describe: int, *, tiles: bool | None, liveness: bool
    ) -> tuple[list[FaceInfo], Timings]:
        """Every face, largest first; the ``describe`` largest get a descriptor.

        ``tiles`` and ``liveness`` are not supported: HOG has no size limit to tile
        around (it upsamples small images instead) and dlib has no liveness model."""
        timings = Timings()
        faces = self._faces(rgb, describe, 0, timings)
        if not faces and max(rgb.shape[:2]) <= UPSAMPLE_BELOW:
            faces = self._faces(rgb, describe, 1, timings)
        return faces, timings

    def _faces(
        self, rgb: NDArray[np.uint8], describe: int, upsample: int, timings: Timings
    ) -> list[FaceInfo]:
        t0 = time.perf_counter()
        rects, scores, _ = self.detector.run(rgb, upsample, 0.0)
        timings.detect += (time.perf_counter() - t0) * 1000
        order = sorted(range(len(rects)), key=lambda i: -rects[i].area())
        gray: NDArray[np.uint8] | None = None
        out: list[FaceInfo] = []
        h, w = rgb.shape[:2]
        for n, i in enumerate(order):
            r = rects[i]
            t = time.perf_counter()
            shape = self.shape(rgb, r)
            pts = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)
            timings.landmarks += (time.perf_counter() - t) * 1000
            box = (max(r.left(), 0), max(r.top(), 0), min(r.right(), w - 1), min(r.bottom(), h - 1))
            if gray is None:
                gray = (rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)).astype(np.uint8)
            face_gray = gray[box[1] : box[3] + 1, box[0] : box[2] + 1]
            q = quality.assess(int(min(r.width(), r.height())), pts, face_gray)
            desc: bytes | None = None
            if n < describe:
                t = time.perf_counter()
                vec = np.asarray(self.resnet.compute_face_descriptor(rgb, shape), np.float32)
                desc = (vec / (float(np.linalg.norm(vec)) or 1.0)).tobytes()
                timings.embedding += (time.perf_counter() - t) * 1000
            marks = tuple((float(x), float(y)) for x, y in pts)
            out.append(FaceInfo(box, float(scores[i]), marks, q, desc))
        return out
