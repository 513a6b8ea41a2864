"""The engine on real photos: detection, landmarks, descriptors, worker recovery."""

from __future__ import annotations

import asyncio
import os
import signal

import numpy as np
import pytest

from anfang.face import engine
from anfang.face.engine import FaceEngine, FaceEngineError, model_dir
from anfang.face.imaging import ImageLimits
from tests.face.conftest import no_face, photo, two_faces

LIMITS = ImageLimits()


def describe(name: str) -> np.ndarray:
    return engine.analyse(photo(name), LIMITS).faces[0].vector


def test_models_are_found_without_importing_the_package() -> None:
    folder = model_dir()
    assert (folder / engine.SHAPE_MODEL).is_file()
    assert (folder / engine.RESNET_MODEL).is_file()


def test_same_person_is_near_and_others_far() -> None:
    a, b = describe("Aaron_Peirsol_0001"), describe("Aaron_Peirsol_0002")
    c, d = describe("AJ_Lamas_0001"), describe("Aaron_Eckhart_0001")
    assert a.shape == (128,) and a.dtype == np.float32
    assert np.linalg.norm(a - b) < 0.5
    for other in (c, d):
        assert np.linalg.norm(a - other) > 0.6


def test_faces_landmarks_and_quality() -> None:
    res = engine.analyse(photo("AJ_Lamas_0001"), LIMITS, want_crop=True)
    assert len(res.faces) == 1
    face = res.faces[0]
    assert len(face.landmarks) == 5
    left, top, right, bottom = face.box
    assert all(left <= x <= right and top <= y <= bottom for x, y in face.landmarks)
    assert face.quality.face_px >= 60 and abs(face.quality.roll_deg) < 20
    assert res.crop_jpeg is not None and res.crop_jpeg.startswith(b"\xff\xd8")
    assert set(res.timings_ms) == {"decode", "detect", "landmarks", "descriptor"}


def test_counts_faces_and_describes_only_the_largest() -> None:
    res = engine.analyse(two_faces(), LIMITS, describe=1)
    assert len(res.faces) == 2
    assert res.faces[0].descriptor is not None and res.faces[1].descriptor is None
    with pytest.raises(ValueError):
        _ = res.faces[1].vector
    assert engine.analyse(no_face(), LIMITS).faces == []


async def test_a_dead_worker_is_replaced() -> None:
    eng = FaceEngine(workers=1)
    try:
        await eng.warm_up()
        pool = eng._pool
        assert pool is not None
        for pid in list(pool._processes):  # kill the worker as the OOM killer would
            os.kill(pid, signal.SIGKILL)
        with pytest.raises(FaceEngineError):
            for _ in range(50):  # the pool notices the death on its next job
                await eng.analyse(photo("AJ_Lamas_0001"))
                await asyncio.sleep(0.05)
        res = await eng.analyse(photo("AJ_Lamas_0001"))
        assert len(res.faces) == 1
    finally:
        eng.close()
