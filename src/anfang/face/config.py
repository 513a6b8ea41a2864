"""Face settings: the platform's ``face_*`` settings gathered for the face service."""

from __future__ import annotations

from dataclasses import dataclass, field

from anfang.config import Settings
from anfang.face.imaging import ImageLimits
from anfang.face.quality import QualityLimits

# The defaults are the settings' own (config.py explains how they were measured).
DEFAULT_THRESHOLD: float = Settings.model_fields["face_threshold"].default
DEFAULT_MARGIN: float = Settings.model_fields["face_margin"].default


@dataclass(frozen=True, slots=True)
class FaceConfig:
    """Everything the face service can be tuned with."""

    enabled: bool = True
    workers: int = 1
    threshold: float = DEFAULT_THRESHOLD
    margin: float = DEFAULT_MARGIN
    liveness_min_score: float = 0.5
    limits: ImageLimits = field(default_factory=ImageLimits)
    quality: QualityLimits = field(default_factory=QualityLimits)
    max_templates_per_person: int = 5

    @classmethod
    def from_settings(cls, settings: Settings) -> FaceConfig:
        """The config of ``settings`` (its ``face_*`` fields)."""
        base = ImageLimits()
        limits = ImageLimits(
            max_bytes=settings.face_max_upload_bytes,
            max_pixels=settings.face_max_pixels,
            min_side=base.min_side,
            max_side=base.max_side,
        )
        q = QualityLimits()
        quality = QualityLimits(
            min_face_px=settings.face_min_face_px,
            min_sharpness=q.min_sharpness,
            max_roll_deg=q.max_roll_deg,
            max_yaw_ratio=q.max_yaw_ratio,
        )
        return cls(
            enabled=settings.face_enabled,
            workers=settings.face_workers,
            threshold=settings.face_threshold,
            margin=settings.face_margin,
            limits=limits,
            quality=quality,
        )
