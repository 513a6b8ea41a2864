"""The shipped model files are the measured ones; a changed or missing file is named."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from anfang.face import modelfiles


def test_the_shipped_files_match_their_hashes() -> None:
    files = modelfiles.check()
    assert set(files) == set(modelfiles.SHA256)
    assert (modelfiles.folder() / "LICENSE").is_file()
    notice = (modelfiles.folder() / "NOTICE.md").read_text(encoding="utf-8")
    for digest in modelfiles.SHA256.values():
        assert digest in notice  # the NOTICE records every file's hash


def test_a_changed_file_is_refused(tmp_path: Path) -> None:
    for name in modelfiles.SHA256:
        shutil.copy(modelfiles.folder() / name, tmp_path / name)
    with (tmp_path / "fr_feature.onnx").open("r+b") as f:
        f.seek(1000)
        f.write(b"\x00\x01\x02")
    with pytest.raises(modelfiles.ModelFileError, match=r"fr_feature\.onnx has sha256"):
        modelfiles.check(tmp_path)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(modelfiles.ModelFileError, match=r"fr_detect\.onnx is missing"):
        modelfiles.check(tmp_path)
