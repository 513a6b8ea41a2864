"""The face engine: one of two model sets, run in worker processes (the event loop never
runs a network).

- ``mobilefacenet`` (default): the ONNX models shipped in ``anfang/face/onnx`` (512-d,
  cosine; :mod:`anfang.face.mfn`), with a liveness model;
- ``dlib``: dlib's HOG + ResNet (128-d; :mod:`anfang.face.dlib_engine`).

Embeddings are unit length for both, so similarity is a dot product. Templates of one
engine cannot be compared with the other's: each template row records its model, and
the index only ever holds one engine's. The worker-side functions (:func:`load_models`,
:func:`analyse`) keep the models in module globals, loaded once per process.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from anfang.core.processes import leave_interrupt_to_parent, submit_held
from anfang.face import imaging
from anfang.face.faces import Analysis, FaceInfo, Timings
from anfang.face.imaging import ImageLimits

ENGINES = ("mobilefacenet", "dlib")
# What each engine records in its templates' ``model`` column, and its embedding size.
MODEL_IDS = {"mobilefacenet": "faceplugin-mfn-v1", "dlib": "dlib-resnet-v1"}
DIMS = {"mobilefacenet": 512, "dlib": 128}

__all__ = ["Analysis", "FaceEngine", "FaceEngineError", "FaceInfo", "analyse", "load_models"]


class Backend(Protocol):
    """A loaded engine (worker side)."""

    model_id: str
    dim: int

    def faces(
        self, rgb: NDArray[np.uint8], describe: int, *, tiles: bool | None, liveness: bool
    ) -> tuple[list[FaceInfo], Timings]:
        """Every face, largest first; the ``describe`` largest described."""


_BACKENDS: dict[str, Backend] = {}


def load_models(engine: str = "mobilefacenet") -> str:
    """Load an engine's models into this process (idempotent); its model id."""
    if engine not in _BACKENDS:
        if engine == "mobilefacenet":
            from anfang.face.mfn import MobileFaceNet

            _BACKENDS[engine] = MobileFaceNet()
        elif engine == "dlib":
            from anfang.face.dlib_engine import DlibResNet

            _BACKENDS[engine] = DlibResNet()
        else:
            raise ValueError(f"unknown face engine {engine!r} (one of {', '.join(ENGINES)})")
    return _BACKENDS[engine].model_id


def _worker_init(engine: str) -> None:
    """Pool initializer: leave Ctrl-C to the platform, which stops the pool in order."""
    leave_interrupt_to_parent()
    load_models(engine)


def analyse(
    data: bytes,
    limits: ImageLimits,
    describe: int = 1,
    want_crop: bool = False,
    *,
    engine: str = "mobilefacenet",
    tiles: bool | None = None,
    liveness: bool = False,
) -> Analysis:
    """Decode, detect, align and describe (the ``describe`` largest faces) one image.

    A large frame is searched in tiles too: with ``tiles=None`` when the whole frame
    shows no face, with ``True`` always (every face wanted), with ``False`` never.
    ``liveness`` scores the described faces where the engine
    can. Raises :class:`anfang.face.reasons.FaceRefused` for images that cannot be used.
    """
    load_models(engine)
    backend = _BACKENDS[engine]
    t0 = time.perf_counter()
    rgb = imaging.decode(data, limits)
    decode_ms = (time.perf_counter() - t0) * 1000
    faces, timings = backend.faces(rgb, describe, tiles=tiles, liveness=liveness)
    timings.decode = decode_ms
    crop = imaging.face_crop(rgb, faces[0].box) if want_crop and faces else None
    return Analysis(rgb.shape[1], rgb.shape[0], faces, backend.model_id, timings.as_dict(), crop)


class FaceEngineError(RuntimeError):
    """The engine could not run a job (a worker died); the next call starts a new one."""


class FaceEngine:
    """A small pool of worker processes running :func:`analyse` for one engine; started
    on first use. Workers are spawned (not forked: the API process has threads) and load
    the models once each; each uses one core."""

    def __init__(
        self, workers: int = 1, limits: ImageLimits | None = None, engine: str = "mobilefacenet"
    ) -> None:
        if engine not in ENGINES:
            raise ValueError(f"unknown face engine {engine!r} (one of {', '.join(ENGINES)})")
        self.workers = workers
        self.limits = limits or ImageLimits()
        self.engine = engine
        self.model_id = MODEL_IDS[engine]
        self.dim = DIMS[engine]
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_worker_init,
                initargs=(self.engine,),
            )
        return self._pool

    async def warm_up(self) -> None:
        """Start every worker and load its models now (instead of on the first call)."""
        pool = self._executor()
        await asyncio.gather(
            *(submit_held(pool, load_models, self.engine) for _ in range(self.workers))
        )

    async def analyse(
        self,
        data: bytes,
        *,
        describe: int = 1,
        want_crop: bool = False,
        tiles: bool | None = None,
        liveness: bool = False,
    ) -> Analysis:
        """Run :func:`analyse` in a worker."""
        import functools

        job = functools.partial(
            analyse, data, self.limits, describe, want_crop,
            engine=self.engine, tiles=tiles, liveness=liveness,
        )  # fmt: skip
        try:
            return await submit_held(self._executor(), job)
        except BrokenProcessPool:
            # A worker died (killed, out of memory): start afresh on the next call.
            self.close()
            raise FaceEngineError("a face worker process died; it is restarted") from None

    def close(self) -> None:
        """Stop the workers."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
