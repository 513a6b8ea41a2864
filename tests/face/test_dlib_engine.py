"""The dlib engine's model files are found without importing their package."""

from __future__ import annotations

from anfang.face import dlib_engine


def test_models_are_found_without_importing_the_package() -> None:
    folder = dlib_engine.model_dir()
    assert (folder / dlib_engine.SHAPE_MODEL).is_file()
    assert (folder / dlib_engine.RESNET_MODEL).is_file()
