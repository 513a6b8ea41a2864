"""停车库管理 car-park management: registration."""

from anfang.core.kinds import Severity as S
from anfang.subsystems import Subsystem, register

SUBSYSTEM = register(
    Subsystem(
        "parking",
        "停车库管理",
        "Car park",
        models=("anfang.subsystems.parking.models",),
        api=(
            "anfang.subsystems.parking.api",
            "anfang.subsystems.parking.api_reads",
            "anfang.subsystems.parking.api_reports",
        ),
        components=("anfang.subsystems.parking.component:make",),
        sims=("anfang.subsystems.parking.sim:make_demo_lanes",),
        order=70,
    ),
    [
        ("parking.plate", S.INFO, "车牌识别", "Plate read"),
        ("parking.entry", S.INFO, "车辆入场", "Vehicle entry"),
        ("parking.exit", S.INFO, "车辆出场", "Vehicle exit"),
        ("parking.blacklist", S.CRITICAL, "黑名单车辆", "Blacklisted vehicle"),
        ("parking.unmatched_exit", S.LOW, "无入场记录的出场", "Exit without entry"),
    ],
    # The platform decides entries, exits and black-list hits, never the camera.
    derived=frozenset(
        {"parking.entry", "parking.exit", "parking.blacklist", "parking.unmatched_exit"}
    ),
)
