"""Quality measures: pose from the 5 landmarks, sharpness, and the refusal reasons."""

from __future__ import annotations

import math

import numpy as np
import pytest

from anfang.face.quality import Quality, QualityLimits, pose, problems, sharpness

# Two points per eye, then the nose: a frontal, level face with eyes 40 px apart.
FRONTAL = np.array([[70, 50], [60, 50], [30, 50], [40, 50], [50, 70]], dtype=np.float64)


def rotate(points: np.ndarray, deg: float) -> np.ndarray:
    a = math.radians(deg)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    out: np.ndarray = (points - 50) @ rot.T + 50
    return out


def test_frontal_face_has_no_roll_or_yaw() -> None:
    roll, yaw = pose(FRONTAL)
    assert roll == pytest.approx(0, abs=1e-9)
    assert yaw == pytest.approx(0, abs=1e-9)


@pytest.mark.parametrize("deg", [-30, -10, 5, 25])
def test_roll_follows_rotation_and_yaw_does_not(deg: float) -> None:
    roll, yaw = pose(rotate(FRONTAL, deg))
    assert roll == pytest.approx(deg, abs=1e-6)
    assert yaw == pytest.approx(0, abs=1e-6)


def test_nose_off_centre_is_yaw() -> None:
    turned = FRONTAL.copy()
    turned[4, 0] += 12  # eye centres are 30 px apart: the nose 0.4 of that aside
    assert pose(turned)[1] == pytest.approx(0.4)


def test_sharpness_falls_with_blur() -> None:
    rng = np.random.default_rng(1)
    sharp = rng.integers(0, 255, (120, 120), dtype=np.uint8)
    flat = np.full((120, 120), 128, dtype=np.uint8)
    assert sharpness(sharp) > 1000 > sharpness(flat) == 0


def test_problems_list_every_failure() -> None:
    limits = QualityLimits()
    good = Quality(100, 80.0, 3.0, 0.05)
    assert problems(good, limits) == []
    bad = Quality(30, 5.0, 40.0, -0.5)
    codes = [r.code for r in problems(bad, limits)]
    assert codes == ["face.too_small", "face.blurry", "face.pose_roll", "face.pose_yaw"]
