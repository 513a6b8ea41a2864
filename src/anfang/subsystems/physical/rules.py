"""What each kind of barrier must meet, pure: an item's properties in, the findings out.

The values are those of the rules digest (``../shared/specs/standards-and-rules.md`` in the
workplace; GB 50348 and the provincial rules it cites): a closed perimeter fence or wall at
least 1.8 m high, bars at most 15 cm apart, no horizontal rails below 1 m (a foothold), an
anti-climb feature (advisory); multi-point locking on entrance and home doors; bollards at
least 0.6 m. (That the households of floors 1–2 have grilles or intrusion detection is a
question about the whole site: the compliance checker's.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["fence", "wall", "entrance_door", "window_grille", "bollard", "gate"]
KINDS: tuple[Kind, ...] = ("fence", "wall", "entrance_door", "window_grille", "bollard", "gate")
MIN_FENCE_M = 1.8
MAX_BAR_GAP_CM = 15.0
MIN_BOLLARD_M = 0.6
DEFAULT_CHECKLIST: dict[str, tuple[str, ...]] = {
    "fence": ("无破损、无缺口", "防攀爬设施完好", "周边无可攀爬物"),
    "wall": ("无破损、无缺口", "防攀爬设施完好", "周边无可攀爬物"),
    "entrance_door": ("门体完好", "闭门器正常", "多点锁闭有效"),
    "window_grille": ("护栏牢固", "无锈蚀断裂"),
    "bollard": ("立柱完好", "升降正常"),
    "gate": ("门体完好", "锁闭有效"),
}


@dataclass(frozen=True, slots=True)
class Item:
    """What the rules look at."""

    kind: str
    height_m: float | None = None
    anti_climb: tuple[str, ...] = ()
    bar_gap_cm: float | None = None
    low_rails: bool = False
    locking: str = ""


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule the item does not meet; not ``mandatory``: advisory."""

    rule: str
    message: str
    mandatory: bool = True


def _fence(item: Item) -> list[Finding]:
    out = []
    if item.height_m is None:
        out.append(Finding("fence_height", f"height not recorded (must be ≥ {MIN_FENCE_M} m)"))
    elif item.height_m < MIN_FENCE_M:
        out.append(Finding("fence_height", f"{item.height_m:g} m high, must be ≥ {MIN_FENCE_M} m"))
    if item.bar_gap_cm is not None and item.bar_gap_cm > MAX_BAR_GAP_CM:
        gap = f"bars {item.bar_gap_cm:g} cm apart, must be ≤ {MAX_BAR_GAP_CM:g} cm"
        out.append(Finding("bar_gap", gap))
    if item.low_rails:
        out.append(Finding("low_rails", "horizontal rails below 1 m give a foothold"))
    if not item.anti_climb:
        out.append(Finding("anti_climb", "no anti-climb feature recorded", mandatory=False))
    return out


def check(item: Item) -> list[Finding]:
    """The rules ``item`` does not meet (empty: compliant)."""
    if item.kind in ("fence", "wall"):
        return _fence(item)
    gap_cm = item.bar_gap_cm
    if item.kind == "window_grille" and gap_cm is not None and gap_cm > MAX_BAR_GAP_CM:
        return [Finding("bar_gap", f"bars {gap_cm:g} cm apart, must be ≤ {MAX_BAR_GAP_CM:g} cm")]
    if item.kind == "entrance_door" and item.locking != "multi_point":
        found = item.locking or "not recorded"
        return [Finding("door_locking", f"locking {found}: multi-point locking is required")]
    if item.kind == "bollard" and item.height_m is not None and item.height_m < MIN_BOLLARD_M:
        return [Finding("bollard_height", f"{item.height_m:g} m high, must be ≥ {MIN_BOLLARD_M} m")]
    return []
