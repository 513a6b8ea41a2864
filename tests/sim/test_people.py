"""The demo's people: reproducible names, phones, and plates the car park accepts."""

from __future__ import annotations

import random

from anfang.sim.people import NameMaker, plate
from anfang.subsystems.parking.adapters.plates import parse


def test_names_phones_and_plates_are_plausible_and_reproducible() -> None:
    a, b = NameMaker(random.Random(5)), NameMaker(random.Random(5))
    assert [a.name() for _ in range(20)] == [b.name() for _ in range(20)]
    assert all(a.phone().isdigit() for _ in range(20))
    rng = random.Random(9)
    for _ in range(500):  # every generated plate is a valid ordinary or new-energy plate
        assert parse(plate(rng)).kind in ("ordinary", "new_energy")
