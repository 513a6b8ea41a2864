"""What an engine finds: timings as JSON, vectors only where described."""

from __future__ import annotations

import numpy as np
import pytest

from anfang.face.faces import FaceInfo, Timings
from anfang.face.quality import Quality


def test_timings_as_dict() -> None:
    t = Timings(detect=1.234, embedding=5.0)
    assert t.as_dict() == {
        "decode": 0.0, "detect": 1.23, "landmarks": 0.0, "embedding": 5.0, "liveness": 0.0,
    }  # fmt: skip


def test_vector_only_when_described() -> None:
    q = Quality(80, 50.0, 0.0, 0.0)
    described = FaceInfo((0, 0, 10, 10), 0.9, (), q, np.ones(4, np.float32).tobytes())
    assert described.vector.tolist() == [1.0, 1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match="no descriptor"):
        _ = FaceInfo((0, 0, 10, 10), 0.9, (), q).vector
