"""Enrolment quality from a face box, its 5 landmarks and pixels (pure functions, no dlib).

dlib's 5-point model gives two corners of each eye (points 0-1 and 2-3) and the point
under the nose (4). Roll is the angle of the line between the eye centres; yaw shows as
the nose point sitting off the middle of the eyes, measured in inter-eye distances.
Blur is the variance of the Laplacian of the face, resized to a fixed size so the score
does not depend on how large the face is in the photo.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from anfang.face.reasons import Reason

BLUR_SIZE = 112


@dataclass(frozen=True, slots=True)
class QualityLimits:
    """Thresholds for enrolment photos (captures at gates are not held to them)."""

    min_face_px: int = 60
    min_sharpness: float = 20.0
    max_roll_deg: float = 20.0
    max_yaw_ratio: float = 0.25


@dataclass(frozen=True, slots=True)
class Quality:
    """Measured quality of one face."""

    face_px: int
    sharpness: float
    roll_deg: float
    yaw_ratio: float

    def as_dict(self) -> dict[str, float]:
        """As JSON."""
        return {
            "face_px": self.face_px,
            "sharpness": round(self.sharpness, 1),
            "roll_deg": round(self.roll_deg, 1),
            "yaw_ratio": round(self.yaw_ratio, 3),
        }


def pose(landmarks: NDArray[np.float64]) -> tuple[float, float]:
    """(roll in degrees, yaw ratio) from the 5 landmarks (5×2, x then y)."""
    a = landmarks[0:2].mean(axis=0)
    b = landmarks[2:4].mean(axis=0)
    left, right = (a, b) if a[0] <= b[0] else (b, a)
    dx, dy = right - left
    roll = math.degrees(math.atan2(dy, dx))
    eye_dist = math.hypot(dx, dy) or 1.0
    mid = (left + right) / 2
    # Offset of the nose along the eye line, in eye distances (0 = looking straight).
    ux, uy = dx / eye_dist, dy / eye_dist
    nx, ny = landmarks[4] - mid
    yaw = (nx * ux + ny * uy) / eye_dist
    return roll, float(yaw)


def sharpness(gray_face: NDArray[np.uint8]) -> float:
    """Variance of the 4-neighbour Laplacian of the face resized to ``BLUR_SIZE``²."""
    from PIL import Image

    img = Image.fromarray(gray_face).resize((BLUR_SIZE, BLUR_SIZE), Image.Resampling.BILINEAR)
    g = np.asarray(img, dtype=np.float32)
    lap = g[1:-1, :-2] + g[1:-1, 2:] + g[:-2, 1:-1] + g[2:, 1:-1] - 4 * g[1:-1, 1:-1]
    return float(lap.var())


def assess(face_px: int, landmarks: NDArray[np.float64], gray_face: NDArray[np.uint8]) -> Quality:
    """Measure one face."""
    roll, yaw = pose(landmarks)
    return Quality(face_px, sharpness(gray_face), roll, yaw)


def problems(q: Quality, limits: QualityLimits) -> list[Reason]:
    """Every way ``q`` falls short of ``limits`` (empty: good enough to enrol)."""
    out: list[Reason] = []
    if q.face_px < limits.min_face_px:
        out.append(Reason("face.too_small", f"{q.face_px} px < {limits.min_face_px} px"))
    if q.sharpness < limits.min_sharpness:
        out.append(Reason("face.blurry", f"sharpness {q.sharpness:.0f} < {limits.min_sharpness}"))
    if abs(q.roll_deg) > limits.max_roll_deg:
        out.append(Reason("face.pose_roll", f"{q.roll_deg:.0f}° > {limits.max_roll_deg}°"))
    if abs(q.yaw_ratio) > limits.max_yaw_ratio:
        out.append(Reason("face.pose_yaw", f"{q.yaw_ratio:.2f} > {limits.max_yaw_ratio}"))
    return out
