"""The demo community is believable and valid for the site importer."""

from __future__ import annotations

import itertools
import math
import random

from anfang.sim.community import BOUNDARY, MAP_H, MAP_W, build_demo_site, split_polyline
from anfang.sim.people import NameMaker
from anfang.site.importer import SiteFile, rooms_of
from anfang.site.schemas import PERIMETER_MAX_M


def length(points: list[list[float]] | list[tuple[float, float]]) -> float:
    return sum(math.dist(a, b) for a, b in itertools.pairwise(points))


def test_hundreds_of_households_in_many_buildings() -> None:
    c = build_demo_site()
    buildings = [b for b in c.site_file["buildings"] if b.get("units")]
    assert len(buildings) >= 8
    for b in buildings:
        assert 2 <= len(b["units"]) <= 3 and 11 <= b["floors"] <= 18
        assert all(2 <= u["rooms_per_floor"] <= 4 for u in b["units"])
    households = c.households()
    assert 300 <= len(households) <= 2000
    assert len(set(households)) == len(households)
    # The importer generates exactly the same rooms.
    sf = SiteFile.model_validate(c.site_file)
    assert sum(len(rooms_of(b, u)) for b in sf.buildings for u in b.units) == len(households)


def test_perimeter_zones_cover_the_fence_each_at_most_70_m() -> None:
    c = build_demo_site()
    perimeter = [z for z in c.zones if z["kind"] == "perimeter"]
    assert 18 <= len(perimeter) <= 24
    lengths = [length(z["geometry"]) for z in perimeter]
    assert max(lengths) <= PERIMETER_MAX_M
    assert math.isclose(sum(lengths), length(BOUNDARY), rel_tol=1e-3)
    for a, b in itertools.pairwise(perimeter):  # consecutive zones join up
        assert a["geometry"][-1] == b["geometry"][0]
    assert perimeter[-1]["geometry"][-1] == perimeter[0]["geometry"][0]
    detectors = {d["zone"] for d in c.devices if d["type"] == "ir_beam"}
    assert detectors == {z["code"] for z in perimeter}


def test_devices_are_placed_supervised_and_unique() -> None:
    c = build_demo_site()
    codes = [d["code"] for d in c.devices]
    assert len(codes) == len(set(codes))
    types = {d["type"] for d in c.devices}
    assert {
        "turnstile",
        "barrier",
        "lpr_camera",
        "camera",
        "ir_beam",
        "patrol_reader",
        "patrol_phone",
        "door_reader",
    } <= types
    units = sum(len(b.get("units", [])) for b in c.site_file["buildings"])
    assert sum(d["type"] == "door_reader" for d in c.devices) == units
    for d in c.devices:
        assert 0 <= d["map_x"] <= MAP_W and 0 <= d["map_y"] <= MAP_H
        assert len(d["secret"]) >= 32
        # Every networked device is supervised; the manual fire-lane gate is not networked.
        assert d["code"] == "GATE-W-V1" or d["expected_interval_s"] > 0
    lpr = [d for d in c.devices if d["type"] == "lpr_camera"]
    assert {d["code"] for d in lpr} == {"LPR-P1-IN", "LPR-P1-OUT"}
    assert all(d["zone"] == "P1" for d in lpr)


def test_residents_have_plausible_names_and_are_reproducible() -> None:
    a, b = build_demo_site(), build_demo_site()
    assert a.residents == b.residents and a.plates == b.plates
    assert len(a.residents) >= 300
    surnames = set(NameMaker(random.Random(0)).surnames)
    for r in a.residents:
        assert 2 <= len(r.name) <= 4
        assert r.name[:2] in surnames or r.name[0] in surnames
        assert r.phone.isdigit() and len(r.phone) == 11
    homes = set(a.households())
    assert all((r.building, r.unit, r.room) in homes for r in a.residents)
    assert len({r.name[0] for r in a.residents}) > 30
    assert a.residents_csv().decode().splitlines()[0] == "building,unit,room,name,phone,role"
    assert all(p.startswith("苏E") and len(p) in (7, 8) for p in a.plates)


def test_split_polyline_equal_parts() -> None:
    square = [(0.0, 0.0), (100.0, 0.0), (100.0, 100.0), (0.0, 100.0), (0.0, 0.0)]
    parts = split_polyline(square, 6)
    assert len(parts) == 6
    assert all(math.isclose(length(p), 400 / 6, abs_tol=0.02) for p in parts)
    assert [100.0, 0.0] in [list(pt) for pt in parts[1]]  # corners stay in the pieces
