"""The demo community 锦绣花园: buildings, households, residents, zones and devices.

The layout is fixed and the people are generated from surname and given-name lists with
a fixed seed, so every demo shows the same community. Device secrets are random each
time: the demo reads the stored ones back after seeding. The description is produced in
the site-file format of :mod:`anfang.site.importer` (docs/site-file.md) plus a
residents table, so the demo is stored through the same import path as a real site.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import random
import secrets
from dataclasses import dataclass, field
from typing import Any

from anfang.sim.people import Resident, people

Point = tuple[float, float]

MAP_W, MAP_H = 400.0, 300.0
# The fence line, clockwise from the north-west corner; the south-east corner is cut.
BOUNDARY: list[Point] = [(10, 10), (390, 10), (390, 245), (345, 290), (10, 290), (10, 10)]
ZONE_MAX_M = 70.0
HEARTBEAT_S = 20.0
EXPECTED_INTERVAL_S = 60

# (number, x, y, floors, units, households per floor)
_BUILDINGS = [
    (1, 70, 60, 18, 2, 2),
    (2, 150, 60, 18, 2, 2),
    (3, 230, 60, 11, 3, 4),
    (4, 310, 60, 11, 3, 4),
    (5, 70, 140, 15, 2, 3),
    (6, 150, 140, 15, 2, 3),
    (7, 240, 140, 17, 3, 2),
    (8, 70, 220, 17, 3, 2),
    (9, 150, 220, 12, 2, 4),
]
_CAMERAS = [
    ("南门人行出入口", 205, 282),
    ("南门车行出入口", 150, 282),
    ("东门车行出入口", 382, 130),
    ("北门人行出入口", 200, 18),
    ("西北角周界", 15, 15),
    ("东北角周界", 385, 15),
    ("东南角周界", 350, 280),
    ("西南角周界", 15, 285),
    ("西侧周界中段", 15, 150),
    ("北侧周界中段", 100, 15),
    ("地库入口", 345, 110),
    ("地库出口", 345, 185),
    ("中心花园", 200, 185),
    ("物业中心大厅", 255, 225),
]
_READERS = [("读卡器·甲", 210, 282), ("读卡器·乙", 215, 282), ("读卡器·丙", 220, 282),
            ("手机·丁", 225, 282)]  # fmt: skip
_CHECKPOINTS = [
    ("南门岗亭", 210, 275),
    ("9号楼南侧", 150, 240),
    ("8号楼西侧", 45, 220),
    ("西侧围墙中段", 25, 150),
    ("1号楼北侧", 70, 35),
    ("北门", 200, 25),
    ("3号楼北侧", 230, 35),
    ("东北角", 370, 30),
    ("东门岗亭", 375, 130),
    ("地库入口", 350, 115),
    ("中心花园", 195, 180),
    ("东南角", 335, 270),
]


@dataclass
class DemoCommunity:
    """The whole demo community: a site file for the importer, residents and vehicles."""

    site_file: dict[str, Any]
    residents: list[Resident] = field(default_factory=list)
    plates: list[str] = field(default_factory=list)
    checkpoints: list[dict[str, Any]] = field(default_factory=list)  # guard-tour tags

    @property
    def devices(self) -> list[dict[str, Any]]:
        """The device entries of the site file."""
        devices: list[dict[str, Any]] = self.site_file["devices"]
        return devices

    @property
    def zones(self) -> list[dict[str, Any]]:
        """The zone entries of the site file."""
        zones: list[dict[str, Any]] = self.site_file["zones"]
        return zones

    def households(self) -> list[tuple[str, str, str]]:
        """Every (building name, unit name, room) the site file generates."""
        out: list[tuple[str, str, str]] = []
        for b in self.site_file["buildings"]:
            for u in b.get("units", []):
                for floor in range(1, b["floors"] + 1):
                    for i in range(1, u["rooms_per_floor"] + 1):
                        out.append((b["name"], u["name"], f"{floor}{i:02d}"))
        return out

    def residents_csv(self) -> bytes:
        """The residents as a UTF-8 CSV for the residents import."""
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["building", "unit", "room", "name", "phone", "role"])
        for r in self.residents:
            w.writerow([r.building, r.unit, r.room, r.name, r.phone, r.role])
        return buf.getvalue().encode()


def split_polyline(points: list[Point], parts: int) -> list[list[Point]]:
    """Cut a polyline into ``parts`` pieces of equal length, keeping corners inside them."""
    seg = [math.dist(a, b) for a, b in itertools.pairwise(points)]
    step = sum(seg) / parts
    pieces: list[list[Point]] = []
    current: list[Point] = [points[0]]
    left = step
    for (a, b), length in zip(itertools.pairwise(points), seg, strict=True):
        pos = 0.0
        while length - pos > left + 1e-9 and len(pieces) < parts - 1:
            pos += left
            t = pos / length
            cut = (round(a[0] + (b[0] - a[0]) * t, 2), round(a[1] + (b[1] - a[1]) * t, 2))
            current.append(cut)
            pieces.append(current)
            current = [cut]
            left = step
        left -= length - pos
        current.append(b)
    pieces.append(current)
    return pieces


def _device(
    code: str, name: str, typ: str, sub: str, x: float, y: float, **extra: Any
) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "type": typ,
        "subsystem": sub,
        "map_x": x,
        "map_y": y,
        "secret": secrets.token_hex(16),
        "expected_interval_s": EXPECTED_INTERVAL_S,
        "meta": {"simulated": True},
        **extra,
    }


def _perimeter(devices: list[dict[str, Any]]) -> list[dict[str, Any]]:
    fence = sum(math.dist(a, b) for a, b in itertools.pairwise(BOUNDARY))
    pieces = split_polyline(BOUNDARY, math.ceil(fence / (ZONE_MAX_M - 2)))
    zones = []
    for i, line in enumerate(pieces, 1):
        code = f"PZ{i:02d}"
        zones.append(
            {
                "code": code,
                "name": f"周界{i:02d}防区",
                "kind": "perimeter",
                "geometry": [list(p) for p in line],
            }
        )
        mid = line[len(line) // 2]
        devices.append(
            _device(
                f"PD-{i:02d}",
                f"周界{i:02d}防区主动红外对射",
                "ir_beam",
                "perimeter",
                mid[0],
                mid[1],
                zone=code,
            )
        )
    return zones


def build_demo_site(seed: int = 20240601) -> DemoCommunity:
    """The demo community 锦绣花园 as a site file, residents and resident vehicles."""
    rng = random.Random(seed)
    buildings: list[dict[str, Any]] = []
    devices: list[dict[str, Any]] = []
    for n, x, y, floors, units, per in _BUILDINGS:
        code = f"B{n:02d}"
        b = {
            "code": code,
            "name": f"{n}号楼",
            "floors": floors,
            "map_x": x,
            "map_y": y,
            "units": [
                {"code": str(k), "name": f"{k}单元", "rooms_per_floor": per}
                for k in range(1, units + 1)
            ],
        }
        buildings.append(b)
        for k in range(1, units + 1):
            devices.append(
                _device(
                    f"DR-{code}-{k}",
                    f"{n}号楼{k}单元门禁读卡器",
                    "door_reader",
                    "access",
                    x - 20 + 20 * (k - 1),
                    y + 8,
                    building=code,
                    unit=str(k),
                )
            )
    buildings.append(
        {
            "code": "F01",
            "name": "物业服务中心",
            "kind": "facility",
            "floors": 3,
            "map_x": 255,
            "map_y": 225,
        }
    )
    zones = _perimeter(devices)
    zones.append(
        {
            "code": "P1",
            "name": "地下停车库",
            "kind": "parking",
            "geometry": [[180, 95], [340, 95], [340, 200], [180, 200]],
        }
    )
    devices += [
        _device(
            "GATE-S-P1",
            "南门人行闸机（人脸识别）",
            "turnstile",
            "access",
            205,
            290,
            meta={"simulated": True, "face": True},
        ),
        _device("GATE-N-P1", "北门人行闸机", "turnstile", "access", 200, 10),
        _device("GATE-S-V1", "南门车行道闸", "barrier", "access", 150, 290),
        _device("GATE-E-V1", "东门车行道闸", "barrier", "access", 390, 130),
        _device("LPR-P1-IN", "地库入口车牌识别", "lpr_camera", "parking", 350, 110, zone="P1"),
        _device("LPR-P1-OUT", "地库出口车牌识别", "lpr_camera", "parking", 350, 185, zone="P1"),
    ]
    # A manual fire-lane gate, not networked and with no camera or plate reader near it: the
    # compliance checker finds it (every vehicle lane needs a camera, GB 55029 §3.1.4).
    devices.append(
        _device("GATE-W-V1", "西门消防通道道闸（手动）", "barrier", "parking", 10, 205,
                expected_interval_s=None)
    )  # fmt: skip
    for i, (where, x, y) in enumerate(_CAMERAS, 1):
        devices.append(_device(f"CAM-{i:02d}", f"{where}摄像机", "camera", "video", x, y))
    # Checkpoints are tags, not devices (the guard tour's simulator sets them up); the
    # devices are the guards' readers and a phone. PR-03 is a reader docked once a shift
    # (it uploads its swipes in a batch), so it is expected to be silent for long.
    for i, (who, x, y) in enumerate(_READERS, 1):
        typ = "patrol_phone" if i == len(_READERS) else "patrol_reader"
        extra = {"expected_interval_s": 4 * 3600} if i == 3 else {}
        devices.append(_device(f"PR-{i:02d}", f"巡更{who}", typ, "patrol", x, y, **extra))
    site_file: dict[str, Any] = {
        "site": {
            "code": "jinxiu",
            "name": "anfang 示范小区 (锦绣花园)",
            "address": "江苏省苏州市工业园区锦绣路88号（演示）",
            "area_m2": 104_000.0,
            "timezone": "Asia/Shanghai",
            "map_width_m": MAP_W,
            "map_height_m": MAP_H,
        },
        "buildings": buildings,
        "zones": zones,
        "devices": devices,
    }
    residents, plates = people(rng, [b for b in buildings if b.get("units")])
    checkpoints = [
        {"code": f"CP-{i:02d}", "name": where, "tag": f"E200{i:04X}{i * 7919:06X}", "x": x, "y": y}
        for i, (where, x, y) in enumerate(_CHECKPOINTS, 1)
    ]
    return DemoCommunity(site_file, residents, plates, checkpoints)
