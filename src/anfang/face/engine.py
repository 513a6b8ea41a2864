"""The face engine: dlib's HOG detector, 5-point landmarks and ResNet descriptors, run in
worker processes (dlib is single-threaded and CPU heavy; the event loop never runs it).

The worker-side functions (:func:`load_models`, :func:`analyse`) keep the models in
module globals, loaded once per process by the pool's initializer. The models come from
the ``face-recognition-models`` package, found without importing it (its ``__init__``
imports ``pkg_resources``, which new setuptools no longer ships).
"""

from __future__ import annotations

import asyncio
import functools
import importlib.util
import multiprocessing
import signal
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from anfang.face import imaging, quality
from anfang.face.imaging import ImageLimits
from anfang.face.quality import Quality

DESCRIPTOR_DIM = 128
SHAPE_MODEL = "shape_predictor_5_face_landmarks.dat"  # public domain (the 68-point one is not)
RESNET_MODEL = "dlib_face_recognition_resnet_model_v1.dat"


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


@dataclass(frozen=True, slots=True)
class FaceInfo:
    """One detected face: box (left, top, right, bottom), landmarks, quality, descriptor."""

    box: tuple[int, int, int, int]
    score: float
    landmarks: tuple[tuple[float, float], ...]
    quality: Quality
    descriptor: bytes | None = None  # 128 float32, only for the faces asked for

    @property
    def vector(self) -> NDArray[np.float32]:
        """The descriptor as a float32 vector."""
        if self.descriptor is None:
            raise ValueError("no descriptor computed for this face")
        return np.frombuffer(self.descriptor, dtype=np.float32)


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the engine found in one image; faces largest first."""

    width: int
    height: int
    faces: list[FaceInfo]
    timings_ms: dict[str, float] = field(default_factory=dict)
    crop_jpeg: bytes | None = None


class _Models:
    def __init__(self) -> None:
        import dlib  # type: ignore[import-untyped]

        folder = model_dir()
        self.detector: Any = dlib.get_frontal_face_detector()
        self.shape: Any = dlib.shape_predictor(str(folder / SHAPE_MODEL))
        self.resnet: Any = dlib.face_recognition_model_v1(str(folder / RESNET_MODEL))
        self.dlib: Any = dlib


_MODELS: _Models | None = None


def _worker_init() -> None:
    """Pool initializer: leave Ctrl-C to the platform, which stops the pool in order."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    load_models()


def load_models() -> None:
    """Load the models into this process (idempotent)."""
    global _MODELS
    if _MODELS is None:
        _MODELS = _Models()


def analyse(
    data: bytes,
    limits: ImageLimits,
    describe: int = 1,
    upsample: int = 0,
    want_crop: bool = False,
    upsample_below: int = 400,
) -> Analysis:
    """Decode, detect, align and describe (the ``describe`` largest faces) one image.

    Small images (long side ≤ ``upsample_below``) where no face shows at native size are
    searched again at twice the size: HOG finds no face under ~70 px.

    Raises :class:`anfang.face.reasons.FaceRefused` for images that cannot be used.
    """
    load_models()
    assert _MODELS is not None
    m = _MODELS
    t0 = time.perf_counter()
    rgb = imaging.decode(data, limits)
    t1 = time.perf_counter()
    faces, t_marks, t_desc = _faces(m, rgb, describe, upsample)
    if not faces and upsample == 0 and max(rgb.shape[:2]) <= upsample_below:
        faces, t_marks, t_desc = _faces(m, rgb, describe, 1)
    t2 = time.perf_counter()
    crop = _crop(rgb, faces[0].box) if want_crop and faces else None
    timings = {
        "decode": (t1 - t0) * 1000,
        "detect": (t2 - t1 - t_marks - t_desc) * 1000,
        "landmarks": t_marks * 1000,
        "descriptor": t_desc * 1000,
    }
    return Analysis(rgb.shape[1], rgb.shape[0], faces, timings, crop)


def _faces(
    m: _Models, rgb: NDArray[np.uint8], describe: int, upsample: int
) -> tuple[list[FaceInfo], float, float]:
    rects, scores, _ = m.detector.run(rgb, upsample, 0.0)
    order = sorted(range(len(rects)), key=lambda i: -rects[i].area())
    gray: NDArray[np.uint8] | None = None
    t_marks = t_desc = 0.0
    out: list[FaceInfo] = []
    h, w = rgb.shape[:2]
    for n, i in enumerate(order):
        r = rects[i]
        t = time.perf_counter()
        shape = m.shape(rgb, r)
        pts = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)
        t_marks += time.perf_counter() - t
        box = (max(r.left(), 0), max(r.top(), 0), min(r.right(), w - 1), min(r.bottom(), h - 1))
        if gray is None:
            gray = (rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)).astype(np.uint8)
        face_gray = gray[box[1] : box[3] + 1, box[0] : box[2] + 1]
        q = quality.assess(int(min(r.width(), r.height())), pts, face_gray)
        desc: bytes | None = None
        if n < describe:
            t = time.perf_counter()
            vec = m.resnet.compute_face_descriptor(rgb, shape)
            desc = np.asarray(vec, dtype=np.float32).tobytes()
            t_desc += time.perf_counter() - t
        marks = tuple((float(x), float(y)) for x, y in pts)
        out.append(FaceInfo(box, float(scores[i]), marks, q, desc))
    return out, t_marks, t_desc


def _crop(rgb: NDArray[np.uint8], box: tuple[int, int, int, int], size: int = 200) -> bytes:
    """A small JPEG of the face with some margin: all that is kept of an enrolment photo."""
    left, top, right, bottom = box
    cx, cy = (left + right) / 2, (top + bottom) / 2
    half = max(right - left, bottom - top) * 0.8
    h, w = rgb.shape[:2]
    x0, y0 = max(int(cx - half), 0), max(int(cy - half), 0)
    x1, y1 = min(int(cx + half), w), min(int(cy + half), h)
    from PIL import Image

    img = Image.fromarray(rgb[y0:y1, x0:x1])
    img.thumbnail((size, size), Image.Resampling.BILINEAR)
    return imaging.encode_jpeg(np.asarray(img), quality=85)


class FaceEngineError(RuntimeError):
    """The engine could not run a job (a worker died); the next call starts a new one."""


class FaceEngine:
    """A small pool of worker processes running :func:`analyse`; started on first use.

    Workers are spawned (not forked: the API process has threads) and load the models
    once each. ``workers`` defaults to 1 on a 2-core machine: dlib uses one core per call.
    """

    def __init__(self, workers: int = 1, limits: ImageLimits | None = None) -> None:
        self.workers = workers
        self.limits = limits or ImageLimits()
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_worker_init,
            )
        return self._pool

    async def warm_up(self) -> None:
        """Start every worker and load its models now (instead of on the first call)."""
        loop = asyncio.get_running_loop()
        pool = self._executor()
        await asyncio.gather(
            *(loop.run_in_executor(pool, load_models) for _ in range(self.workers))
        )

    async def analyse(
        self, data: bytes, *, describe: int = 1, upsample: int = 0, want_crop: bool = False
    ) -> Analysis:
        """Run :func:`analyse` in a worker."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                self._executor(), analyse, data, self.limits, describe, upsample, want_crop
            )
        except BrokenProcessPool:
            # A worker died (killed, out of memory): start afresh on the next call.
            self.close()
            raise FaceEngineError("a face worker process died; it is restarted") from None

    def close(self) -> None:
        """Stop the workers."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
