"""Compliance test helpers: a small community's site file (as a design too) and users."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import yaml

from tests.conftest import auth, first_login

# A 60 m square perimeter in four 60 m zones (a closed ring), one residential building with
# two units of three floors, a car park, a vehicle lane with a camera, two turnstiles (one
# with face recognition), a camera at unit 1's door and none at unit 2's.
SITE: dict[str, Any] = {
    "site": {"code": "t", "name": "测试小区", "area_m2": 60000.0},
    "buildings": [
        {
            "code": "B1",
            "name": "1号楼",
            "floors": 3,
            "rooms_per_floor": 2,
            "map_x": 30,
            "map_y": 30,
            "units": [{"code": "1", "name": "1单元"}, {"code": "2", "name": "2单元"}],
        }
    ],
    "zones": [
        {"code": "PZ1", "name": "北", "kind": "perimeter", "geometry": [[0, 0], [30, 0], [60, 0]]},
        {
            "code": "PZ2",
            "name": "东",
            "kind": "perimeter",
            "geometry": [[60, 0], [60, 30], [60, 60]],
        },
        {"code": "PZ3", "name": "南", "kind": "perimeter", "geometry": [[60, 60], [0, 60]]},
        {"code": "PZ4", "name": "西", "kind": "perimeter", "geometry": [[0, 60], [0, 0]]},
        {
            "code": "P1",
            "name": "车库",
            "kind": "parking",
            "geometry": [[35, 35], [55, 35], [55, 55], [35, 55]],
        },
    ],
    "devices": [
        {
            "code": "CAM-U1",
            "name": "1单元门口摄像机",
            "type": "camera",
            "subsystem": "video",
            "building": "B1",
            "unit": "1",
        },
        {
            "code": "GATE-V",
            "name": "南门车行道闸",
            "type": "barrier",
            "subsystem": "access",
            "map_x": 30,
            "map_y": 60,
        },
        {
            "code": "CAM-V",
            "name": "南门车行摄像机",
            "type": "camera",
            "subsystem": "video",
            "map_x": 33,
            "map_y": 57,
        },
        {
            "code": "LPR-V",
            "name": "南门车牌识别",
            "type": "lpr_camera",
            "subsystem": "parking",
            "map_x": 28,
            "map_y": 57,
        },
        {
            "code": "TS-1",
            "name": "南门人脸闸机",
            "type": "turnstile",
            "subsystem": "access",
            "map_x": 20,
            "map_y": 60,
            "meta": {"face": True},
        },
        {
            "code": "TS-2",
            "name": "北门闸机",
            "type": "turnstile",
            "subsystem": "access",
            "map_x": 20,
            "map_y": 0,
        },
        {
            "code": "CAM-P1",
            "name": "车库摄像机甲",
            "type": "camera",
            "subsystem": "video",
            "zone": "P1",
        },
        {
            "code": "CAM-P2",
            "name": "车库摄像机乙",
            "type": "camera",
            "subsystem": "video",
            "map_x": 45,
            "map_y": 45,
        },
    ],
}
DECLARED = {"video.retention_days": 30, "records.logs.days": 90, "home_alarm.panic": "all"}


def site_yaml(site: dict[str, Any] | None = None) -> bytes:
    """The site file as YAML."""
    return yaml.safe_dump(site or SITE, allow_unicode=True).encode()


def design_yaml(site: dict[str, Any] | None = None, declared: dict[str, Any] | None = None) -> str:
    """The site file with a design block."""
    doc = copy.deepcopy(site or SITE)
    doc["design"] = DECLARED if declared is None else declared
    return yaml.safe_dump(doc, allow_unicode=True)


async def import_site(
    client: httpx.AsyncClient, admin: dict[str, str], site: dict[str, Any] | None = None
) -> None:
    """Import a site file through the API."""
    r = await client.post(
        "/api/v1/imports/site",
        content=site_yaml(site),
        headers={**admin, "Content-Type": "application/yaml"},
    )
    assert r.status_code == 200, r.text


async def user(
    client: httpx.AsyncClient, admin: dict[str, str], name: str, role: str
) -> dict[str, str]:
    """A new user of ``role``, logged in; its Authorization header."""
    r = await client.post(
        "/api/v1/users",
        headers=admin,
        json={"username": name, "password": "long-enough-pw", "role": role},
    )
    assert r.status_code == 201, r.text
    return auth(await first_login(client, name, "long-enough-pw"))
