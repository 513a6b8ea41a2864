"""Face settings: the platform's ``face_*`` settings gathered for the face service, with
each unset similarity taken from the engine's measured operating point."""

from __future__ import annotations

from dataclasses import dataclass, field

from anfang.config import Settings
from anfang.face.imaging import ImageLimits
from anfang.face.operating import POINTS, OperatingPoint
from anfang.face.quality import QualityLimits

# dlib's HOG gains nothing from more pixels; the default engine tiles large frames, so a
# face 60 px wide in a 1920×1080 capture is kept at full size.
MAX_SIDE = {"mobilefacenet": 1920, "dlib": 1280}


@dataclass(frozen=True, slots=True)
class FaceConfig:
    """Everything the face service can be tuned with."""

    enabled: bool = True
    engine: str = "mobilefacenet"
    workers: int = 1
    point: OperatingPoint = field(default_factory=lambda: POINTS["mobilefacenet"])
    liveness: str = "score"
    liveness_min_score: float = 0.5
    limits: ImageLimits = field(default_factory=lambda: ImageLimits(max_side=1920))
    quality: QualityLimits = field(default_factory=QualityLimits)
    max_templates_per_person: int = 5

    @property
    def threshold(self) -> float:
        """The entrance (1:N) similarity."""
        return self.point.entrance

    @property
    def margin(self) -> float:
        """How far a 1:N match must beat the next person."""
        return self.point.margin

    @classmethod
    def from_settings(cls, settings: Settings) -> FaceConfig:
        """The config of ``settings`` (its ``face_*`` fields)."""
        base = ImageLimits()
        limits = ImageLimits(
            max_bytes=settings.face_max_upload_bytes,
            max_pixels=settings.face_max_pixels,
            min_side=base.min_side,
            max_side=MAX_SIDE[settings.face_engine],
        )
        q = QualityLimits()
        quality = QualityLimits(
            min_face_px=settings.face_min_face_px,
            min_sharpness=q.min_sharpness,
            max_roll_deg=q.max_roll_deg,
            max_yaw_ratio=q.max_yaw_ratio,
        )
        d = POINTS[settings.face_engine]

        def pick(value: float | None, default: float) -> float:
            return default if value is None else value

        point = OperatingPoint(
            entrance=pick(settings.face_min_similarity, d.entrance),
            margin=pick(settings.face_margin, d.margin),
            watch=pick(settings.face_watch_min_similarity, d.watch),
            verify=pick(settings.face_verify_min_similarity, d.verify),
        )
        return cls(
            enabled=settings.face_enabled,
            engine=settings.face_engine,
            workers=settings.face_workers,
            point=point,
            liveness=settings.face_liveness,
            liveness_min_score=settings.face_liveness_min_score,
            limits=limits,
            quality=quality,
        )
