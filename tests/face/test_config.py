"""Face settings: unset similarities come from the engine's operating points."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from anfang.config import Settings


def test_face_settings_default_to_the_engines_points() -> None:
    from anfang.face.config import FaceConfig
    from anfang.face.operating import POINTS

    default = FaceConfig.from_settings(Settings())
    assert default.engine == "mobilefacenet" and default.point == POINTS["mobilefacenet"]
    assert default.limits.max_side == 1920
    chosen = FaceConfig.from_settings(
        Settings.model_validate({"face_engine": "dlib", "face_watch_min_similarity": 0.97})
    )
    assert chosen.point.watch == 0.97 and chosen.point.entrance == POINTS["dlib"].entrance
    assert chosen.limits.max_side == 1280
    with pytest.raises(ValidationError, match="face_engine"):
        Settings.model_validate({"face_engine": "arcface"})
