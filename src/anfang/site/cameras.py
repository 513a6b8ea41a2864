"""Which cameras see a place on the site map: the nearest ones to a zone's line or a device.

Used by alarm → camera linkage (perimeter zones, access doors) and the perimeter API.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.store.models import Device, Zone


def _seg_distance(p: tuple[float, float], a: Sequence[float], b: Sequence[float]) -> float:
    ax, ay, bx, by = float(a[0]), float(a[1]), float(b[0]), float(b[1])
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((p[0] - ax) * dx + (p[1] - ay) * dy) / length2))
    return math.hypot(p[0] - (ax + t * dx), p[1] - (ay + t * dy))


def distance_to(points: Sequence[Sequence[float]], p: tuple[float, float]) -> float:
    """Distance (map metres) from ``p`` to a polyline (or a single point)."""
    if len(points) == 1:
        return math.hypot(p[0] - float(points[0][0]), p[1] - float(points[0][1]))
    return min(_seg_distance(p, a, b) for a, b in itertools.pairwise(points))


def nearest_cameras(
    session: Session, zone_id: int | None, device_id: int | None, count: int
) -> list[str]:
    """Codes of the ``count`` cameras nearest to a zone's line (or else to a device).

    Cameras placed in the zone come first; the rest by distance on the site map from the
    zone's geometry, or from the reporting device's map position when the zone has none.
    """
    if count <= 0:
        return []
    zone = session.get(Zone, zone_id) if zone_id is not None else None
    device = session.get(Device, device_id) if device_id is not None else None
    site_id = zone.site_id if zone is not None else device.site_id if device is not None else None
    if site_id is None:
        return []
    points: list[list[float]] = list(zone.geometry) if zone is not None and zone.geometry else []
    if not points and device is not None and device.map_x is not None and device.map_y is not None:
        points = [[device.map_x, device.map_y]]
    cams = session.scalars(
        select(Device).where(
            Device.site_id == site_id, Device.type == "camera", Device.enabled.is_(True)
        )
    ).all()
    ranked: list[tuple[float, str]] = []
    for cam in cams:
        if zone is not None and cam.zone_id == zone.id:
            ranked.append((-1.0, cam.code))
        elif points and cam.map_x is not None and cam.map_y is not None:
            ranked.append((distance_to(points, (cam.map_x, cam.map_y)), cam.code))
    ranked.sort()
    return [code for _, code in ranked[:count]]
