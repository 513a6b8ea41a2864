"""The site model's geometry for the checker, pure, with property tests: a fence cut into
consecutive zones is closed, and dropping any zone opens it."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from anfang.compliance.sitefacts import Item, SiteFacts, inside, perimeter_closed, serves, to_line
from anfang.sim.community import split_polyline

Point = tuple[float, float]


def ring(points: list[Point], parts: int) -> list[Item]:
    line = [*points, points[0]]
    pieces = split_polyline(line, parts)
    return [
        Item(f"Z{i}", f"Z{i}", "zone", "perimeter", line=tuple((float(x), float(y)) for x, y in p))
        for i, p in enumerate(pieces)
    ]


polygons = st.lists(
    st.tuples(st.integers(0, 1000), st.integers(0, 1000)), min_size=3, max_size=8, unique=True
).filter(lambda ps: all(math.dist(a, b) > 5 for a, b in zip(ps, [*ps[1:], ps[0]], strict=True)))


@given(polygons, st.integers(2, 12))
def test_consecutive_zones_are_closed_and_a_missing_one_is_found(
    points: list[Point], parts: int
) -> None:
    zones = ring(points, parts)
    assert perimeter_closed(zones)[0]
    closed, why = perimeter_closed(zones[1:])
    assert not closed and "未与相邻防区相接" in why


def test_no_perimeter() -> None:
    assert perimeter_closed([]) == (False, "未定义周界防区")


def test_inside_and_distance() -> None:
    square = ((0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0))
    assert inside((5, 5), square) and not inside((15, 5), square)
    assert to_line((5, 3), ((0, 0), (10, 0))) == 3
    assert to_line((13, 4), ((0, 0), (10, 0))) == 5


def test_serves_by_placement_map_and_polygon() -> None:
    sf = SiteFacts("x", None, buildings=[Item("B1", "1号楼", "building", at=(0, 0))])
    unit = Item("B1/1", "1单元", "unit", building="B1", unit="1")
    placed = Item("C", "c", "device", building="B1", unit="1")
    near = Item("D", "d", "device", at=(3, 4))
    assert (
        serves(sf, unit, placed, None)
        and serves(sf, unit, near, 5)
        and not serves(sf, unit, near, 4)
    )
    lot = Item("P", "p", "zone", "parking", line=((0, 0), (10, 0), (10, 10), (0, 10)))
    assert serves(sf, lot, Item("E", "e", "device", at=(5, 5)), None)
    assert serves(sf, lot, Item("F", "f", "device", zone="P"), None)
    assert not serves(sf, lot, Item("G", "g", "device", at=(50, 50)), 10)
    assert serves(sf, Item("site", "s"), Item("H", "h", "device"), None)
