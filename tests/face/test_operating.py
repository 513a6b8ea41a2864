"""Operating points: stricter where a mistake costs more."""

from __future__ import annotations

import pytest

from anfang.face.engine import ENGINES
from anfang.face.operating import POINTS


@pytest.mark.parametrize("eng", ENGINES)
def test_watch_is_stricter_than_entrance(eng: str) -> None:
    p = POINTS[eng]
    assert -1 <= p.verify <= p.entrance < p.watch <= 1
    assert 0 <= p.margin < 0.5
    assert set(p.as_dict()) == {"entrance", "margin", "watch", "verify"}
