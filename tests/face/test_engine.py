"""Both engines on real photos: detection, landmarks, embeddings, worker recovery."""

from __future__ import annotations

import asyncio
import os
import signal

import numpy as np
import pytest

from anfang.face import engine
from anfang.face.engine import DIMS, ENGINES, MODEL_IDS, FaceEngine, FaceEngineError
from anfang.face.imaging import ImageLimits
from anfang.face.operating import POINTS
from tests.face.conftest import no_face, photo, two_faces

LIMITS = ImageLimits()


def describe(name: str, eng: str) -> np.ndarray:
    return engine.analyse(photo(name), LIMITS, engine=eng).faces[0].vector


@pytest.mark.parametrize("eng", ENGINES)
def test_same_person_is_similar_and_others_not(eng: str) -> None:
    """At each engine's own verification point: the same person passes, others do not."""
    a, b = describe("Aaron_Peirsol_0001", eng), describe("Aaron_Peirsol_0002", eng)
    c, d = describe("AJ_Lamas_0001", eng), describe("Aaron_Eckhart_0001", eng)
    assert a.shape == (DIMS[eng],) and a.dtype == np.float32
    assert float(np.linalg.norm(a)) == pytest.approx(1.0, abs=1e-4)  # unit length
    verify = POINTS[eng].verify
    assert float(a @ b) >= verify
    for other in (c, d):
        assert float(a @ other) < verify


@pytest.mark.parametrize("eng", ENGINES)
def test_faces_landmarks_quality_and_model(eng: str) -> None:
    res = engine.analyse(photo("AJ_Lamas_0001"), LIMITS, want_crop=True, engine=eng)
    assert len(res.faces) == 1 and res.model == MODEL_IDS[eng]
    face = res.faces[0]
    assert len(face.landmarks) == 5
    left, top, right, bottom = face.box
    assert all(left - 5 <= x <= right + 5 and top - 5 <= y <= bottom + 5 for x, y in face.landmarks)
    assert face.quality.face_px >= 60 and abs(face.quality.roll_deg) < 20
    assert res.crop_jpeg is not None and res.crop_jpeg.startswith(b"\xff\xd8")
    assert set(res.timings_ms) == {"decode", "detect", "landmarks", "embedding", "liveness"}
    assert face.liveness is None  # not asked for


@pytest.mark.parametrize("eng", ENGINES)
def test_counts_faces_and_describes_only_the_largest(eng: str) -> None:
    res = engine.analyse(two_faces(), LIMITS, describe=1, engine=eng)
    assert len(res.faces) == 2
    assert res.faces[0].descriptor is not None and res.faces[1].descriptor is None
    with pytest.raises(ValueError):
        _ = res.faces[1].vector
    assert engine.analyse(no_face(), LIMITS, engine=eng).faces == []


def test_an_unknown_engine_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown face engine"):
        FaceEngine(engine="arcface")
    with pytest.raises(ValueError, match="unknown face engine"):
        engine.load_models("arcface")


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


async def test_bad_input_never_breaks_a_worker() -> None:
    """Every kind of bad file is refused with its reason, and the same worker goes on."""
    from anfang.face.reasons import FaceRefused
    from tests.face.conftest import huge_png

    eng = FaceEngine(workers=1)
    try:
        good = photo("AJ_Lamas_0001")
        for bad, code in (
            (b"", "image.empty"), (good[:2000], "image.broken"),
            (huge_png(), "image.too_many_pixels"), (b"\x00" * 5000, "image.not_image"),
            (good[:10] + b"\xff" * 4000, "image.not_image"),
        ):  # fmt: skip
            with pytest.raises(FaceRefused) as info:
                await eng.analyse(bad)
            assert info.value.reasons[0].code == code
        pool = eng._pool
        res = await eng.analyse(good)
        assert len(res.faces) == 1 and eng._pool is pool  # no restart was needed
    finally:
        eng.close()
