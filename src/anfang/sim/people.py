"""The demo community's people: plausible Chinese names from surname and given-name lists,
households' residents with phones and roles, and their cars' plates, all from one seeded
random generator so that every demo shows the same people."""

from __future__ import annotations

import random
from dataclasses import dataclass
from importlib import resources
from typing import Any


@dataclass(frozen=True, slots=True)
class Resident:
    """A resident row as the residents import reads it."""

    building: str
    unit: str
    room: str
    name: str
    phone: str
    role: str


def _names(filename: str) -> list[str]:
    text = resources.files("anfang.sim").joinpath("data", filename).read_text("utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


class NameMaker:
    """Plausible Chinese names: common surnames more often, one- or two-character names."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.surnames = _names("surnames.txt")
        self.given = _names("given_names.txt")
        # Surname frequency falls off with rank, roughly like the census.
        self.weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(self.surnames))]

    def name(self, surname: str | None = None) -> str:
        """A full name, optionally with a given surname (family members)."""
        sur = surname or self.rng.choices(self.surnames, self.weights)[0]
        n = 1 if self.rng.random() < 0.3 else 2
        return sur + "".join(self.rng.choice(self.given) for _ in range(n))

    def phone(self) -> str:
        """A mobile number."""
        prefix = self.rng.choice(["138", "139", "137", "150", "151", "158", "186", "189", "177"])
        return prefix + "".join(self.rng.choice("0123456789") for _ in range(8))


def plate(rng: random.Random) -> str:
    """A Suzhou-style licence plate (苏E), sometimes a green new-energy one."""
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"

    def char() -> str:
        return rng.choice(letters) if rng.random() < 0.2 else str(rng.randrange(10))

    if rng.random() < 0.25:  # new-energy: D or F, a letter or digit, then four digits
        return "苏E" + rng.choice("DF") + char() + "".join(str(rng.randrange(10)) for _ in range(4))
    return "苏E" + rng.choice(letters) + "".join(char() for _ in range(4))


def people(rng: random.Random, buildings: list[dict[str, Any]]) -> tuple[list[Resident], list[str]]:
    """Residents of the buildings' flats (some empty) and the plates of their cars."""
    names = NameMaker(rng)
    residents: list[Resident] = []
    plates: list[str] = []
    for b in buildings:
        for u in b["units"]:
            for floor in range(1, b["floors"] + 1):
                for i in range(1, u["rooms_per_floor"] + 1):
                    if rng.random() > 0.75:  # some flats are empty or not yet registered
                        continue
                    room = f"{floor}{i:02d}"
                    owner = names.name()
                    tenant = rng.random() < 0.12
                    people = [(owner, "tenant" if tenant else "owner")]
                    surname = owner[:2] if owner[:2] in names.surnames else owner[0]
                    for _ in range(rng.choice([0, 1, 1, 2, 2, 3])):
                        same = rng.random() < 0.6
                        people.append((names.name(surname if same else None), "family"))
                    seen: set[str] = set()
                    for who, role in people:
                        if who in seen:
                            continue
                        seen.add(who)
                        residents.append(
                            Resident(b["name"], u["name"], room, who, names.phone(), role)
                        )
                    if rng.random() < 0.45:
                        plates.append(plate(rng))
    return residents, plates
