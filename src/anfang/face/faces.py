"""What a face engine finds in an image (shared by the engines and the service)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from anfang.face.quality import Quality


@dataclass(slots=True)
class Timings:
    """Milliseconds spent in each step of one analysis."""

    decode: float = 0.0
    detect: float = 0.0
    landmarks: float = 0.0
    embedding: float = 0.0
    liveness: float = 0.0

    def as_dict(self) -> dict[str, float]:
        """As JSON (rounded to 0.01 ms)."""
        return {k: round(getattr(self, k), 2) for k in self.__slots__}


@dataclass(frozen=True, slots=True)
class FaceInfo:
    """One detected face: box (left, top, right, bottom), detector score, the five
    quality landmarks (dlib's 5-point layout), quality, embedding and liveness."""

    box: tuple[int, int, int, int]
    score: float
    landmarks: tuple[tuple[float, float], ...]
    quality: Quality
    descriptor: bytes | None = None  # float32, only for the faces asked for
    liveness: float | None = None  # 0..1 "live", only when asked for and the engine can

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
    model: str = ""
    timings_ms: dict[str, float] = field(default_factory=dict)
    crop_jpeg: bytes | None = None
