"""What the checker looks at, pure: the site model (from a design file or the live
database) and the named facts the subsystems state. Items are found by scope and devices
are associated with them (placed there, or close enough on the map)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from anfang.compliance.rules import Scope
from anfang.core.facts import Fact

Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Item:
    """One thing a rule is checked for: its key, its name in words and where it is."""

    key: str
    name: str
    of: str = "site"  # site, building, unit, household, zone, device, fact
    kind: str = ""
    building: str | None = None
    unit: str | None = None
    zone: str | None = None
    floor: int | None = None
    at: Point | None = None
    line: tuple[Point, ...] = ()
    length_m: float | None = None
    types: tuple[str, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)
    online: bool | None = None


@dataclass
class SiteFacts:
    """The site model and the facts, as the checker sees them."""

    name: str
    area_m2: float | None
    buildings: list[Item] = field(default_factory=list)
    units: list[Item] = field(default_factory=list)
    households: list[Item] = field(default_factory=list)
    zones: list[Item] = field(default_factory=list)
    devices: list[Item] = field(default_factory=list)
    facts: dict[str, Fact] = field(default_factory=dict)

    def items(self, scope: Scope) -> list[Item]:
        """The items a scope selects."""
        if scope.of == "site":
            return [Item("site", self.name)]
        if scope.of == "facts":
            fact = self.facts.get(scope.fact or "")
            return [Item(k, k, "fact") for k in sorted(fact.items)] if fact is not None else []
        pool: list[Item] = getattr(self, scope.of)
        out = []
        for it in pool:
            if scope.kind is not None and it.kind != scope.kind:
                continue
            if scope.types and not set(it.types) & set(scope.types):
                continue
            if scope.floors is not None and not (
                it.floor is not None and scope.floors[0] <= it.floor <= scope.floors[1]
            ):
                continue
            out.append(it)
        return out

    def devices_of(self, types: tuple[str, ...]) -> Iterator[Item]:
        """Enabled devices of any of ``types`` (all devices when ``types`` is empty)."""
        return (d for d in self.devices if not types or set(d.types) & set(types))

    def building_at(self, code: str | None) -> Point | None:
        """Where building ``code`` is on the map."""
        return next((b.at for b in self.buildings if b.key == code), None)


def device(
    d: Any, building: str | None, unit: str | None, zone: str | None, online: bool | None = None
) -> Item:
    """A device (a site file's entry or a stored row: code, name, type, map_x/y, meta)."""
    at = (d.map_x, d.map_y) if d.map_x is not None and d.map_y is not None else None
    return Item(d.code, d.name, "device", d.type, building=building, unit=unit, zone=zone, at=at,
                types=(d.type,), meta=dict(d.meta or {}), online=online)  # fmt: skip


def inside(p: Point, poly: tuple[Point, ...]) -> bool:
    """Whether ``p`` lies inside the closed polygon ``poly`` (ray casting)."""
    hit = False
    for (x1, y1), (x2, y2) in zip(poly, poly[1:] + poly[:1], strict=True):
        if (y1 > p[1]) != (y2 > p[1]) and p[0] < (x2 - x1) * (p[1] - y1) / (y2 - y1) + x1:
            hit = not hit
    return hit


def to_line(p: Point, line: tuple[Point, ...]) -> float:
    """The distance from ``p`` to a polyline."""
    best = math.inf
    for a, b in itertools.pairwise(line):
        dx, dy = b[0] - a[0], b[1] - a[1]
        span = dx * dx + dy * dy
        t = (
            0.0
            if span == 0
            else max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / span))
        )
        best = min(best, math.dist(p, (a[0] + t * dx, a[1] + t * dy)))
    return best


def serves(sf: SiteFacts, item: Item, dev: Item, radius_m: float | None) -> bool:
    """Whether ``dev`` counts for ``item``: placed in it, or within ``radius_m`` of it."""
    where = item.at
    if item.of == "site":
        return True
    if item.of in ("unit", "household"):
        if dev.building == item.building and dev.unit == item.unit:
            return True
        where = sf.building_at(item.building)
    elif item.of == "building" and dev.building == item.key:
        return True
    elif item.of == "zone":
        if dev.zone == item.key:
            return True
        ring = len(item.line) > 3 and item.line[0] == item.line[-1]
        area = ring or (item.kind != "perimeter" and len(item.line) > 2)
        if dev.at is not None and area and inside(dev.at, item.line[:-1] if ring else item.line):
            return True
        if dev.at is None or radius_m is None or len(item.line) < 2:
            return False
        return to_line(dev.at, item.line) <= radius_m
    return (
        radius_m is not None
        and where is not None
        and dev.at is not None
        and math.dist(where, dev.at) <= radius_m
    )


def perimeter_closed(zones: list[Item], tolerance_m: float = 1.0) -> tuple[bool, str]:
    """Whether the perimeter zones join end to end into one closed ring, and where not."""
    lines = [z.line for z in zones if z.kind == "perimeter" and len(z.line) >= 2]
    if not lines:
        return False, "未定义周界防区"
    ends = [p for line in lines for p in (line[0], line[-1])]
    loose = []
    for i, p in enumerate(ends):
        partners = [
            q for j, q in enumerate(ends) if j // 2 != i // 2 and math.dist(p, q) <= tolerance_m
        ]
        closed_alone = len(lines) == 1 and math.dist(lines[0][0], lines[0][-1]) <= tolerance_m
        if not partners and not closed_alone:
            loose.append(p)
    if loose:
        shown = "、".join(f"({x:.0f},{y:.0f})" for x, y in loose[:6])
        return False, f"{len(lines)} 个周界防区，{len(loose)} 个端点未与相邻防区相接：{shown}"
    return True, f"{len(lines)} 个周界防区首尾相接成闭合环"
