"""The grade rules for barriers."""

from __future__ import annotations

from anfang.subsystems.physical.rules import Item, check


def rules_of(item: Item) -> list[tuple[str, bool]]:
    return [(f.rule, f.mandatory) for f in check(item)]


def test_fences_and_walls() -> None:
    good = Item("fence", 2.2, ("刺丝",), 12.0)
    assert check(good) == []
    assert rules_of(Item("wall", 1.6, ("玻璃碴",))) == [("fence_height", True)]
    assert "1.6 m high" in check(Item("wall", 1.6, ("x",)))[0].message
    assert rules_of(Item("fence", None, ("x",))) == [("fence_height", True)]
    assert rules_of(Item("fence", 2.0, ("x",), 18.0, True)) == [
        ("bar_gap", True),
        ("low_rails", True),
    ]
    assert rules_of(Item("fence", 2.0)) == [("anti_climb", False)]  # advisory


def test_doors_grilles_bollards() -> None:
    assert check(Item("entrance_door", locking="multi_point")) == []
    assert rules_of(Item("entrance_door", locking="single")) == [("door_locking", True)]
    assert rules_of(Item("window_grille", bar_gap_cm=20)) == [("bar_gap", True)]
    assert check(Item("window_grille", bar_gap_cm=10)) == []
    assert rules_of(Item("bollard", 0.4)) == [("bollard_height", True)]
    assert check(Item("gate")) == []
