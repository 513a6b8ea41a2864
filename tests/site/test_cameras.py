"""Distances on the site map, and the nearest cameras of a zone."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from anfang.site.cameras import distance_to


def test_distance_to_a_polyline() -> None:
    assert distance_to([[0, 0], [50, 0]], (10, 5)) == 5
    assert distance_to([[0, 0], [50, 0]], (53, 4)) == 5
    assert distance_to([[1, 1]], (4, 5)) == 5


coords = st.floats(-1000, 1000, allow_nan=False)
points = st.tuples(coords, coords)


@given(st.lists(points, min_size=1, max_size=8), points)
def test_distance_to_is_at_most_the_nearest_vertex(
    line: list[tuple[float, float]], p: tuple[float, float]
) -> None:
    d = distance_to([list(q) for q in line], p)
    assert 0 <= d <= min(math.dist(p, q) for q in line) + 1e-6
    assert distance_to([list(q) for q in line], line[0]) <= 1e-6  # on the line: zero
