"""Zone geometry and the perimeter rule (GB 50394: at most 70 m of fence per zone)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from anfang.site import schemas as s


def polyline_length(points: Sequence[Sequence[float]]) -> float:
    """The length in metres of a polyline given as [[x, y], ...]."""
    return sum(math.dist(a, b) for a, b in itertools.pairwise(points))


def zone_problem(
    kind: str, length_m: float | None, geometry: Sequence[Sequence[float]]
) -> tuple[str, str] | None:
    """(field, message) when a zone breaks the perimeter rule, else None."""
    if kind != "perimeter":
        return None
    drawn = polyline_length(geometry)
    if length_m is None and len(geometry) < 2:
        return (
            "length_m",
            "a perimeter zone needs length_m or a geometry of at least 2 "
            "points, so that its length can be checked against the 70 m limit",
        )
    limit = s.PERIMETER_MAX_M
    if length_m is not None and length_m > limit + 1e-6:
        return (
            "length_m",
            f"perimeter zone is {length_m:g} m long; GB 50394 allows at "
            f"most {limit:g} m of fence per zone: split it into shorter zones",
        )
    if drawn > limit + 1e-6:
        return (
            "geometry",
            f"perimeter zone geometry is {drawn:.1f} m long; GB 50394 "
            f"allows at most {limit:g} m of fence per zone: split it into shorter zones",
        )
    return None
