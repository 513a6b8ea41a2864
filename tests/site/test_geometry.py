"""Zone geometry and the perimeter rule."""

from __future__ import annotations

from anfang.site import geometry


def test_polyline_length() -> None:
    assert geometry.polyline_length([[0, 0], [3, 4], [3, 10]]) == 11.0
    assert geometry.polyline_length([]) == 0.0
    assert geometry.zone_problem("indoor", None, []) is None
