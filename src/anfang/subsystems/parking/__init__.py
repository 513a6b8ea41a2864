"""停车库管理 car-park management: registration."""

from anfang.core.kinds import Severity as S
from anfang.subsystems import Subsystem, register

SUBSYSTEM = register(
    Subsystem("parking", "停车库管理", "Car park", order=70),
    [
        ("parking.entry", S.INFO, "车辆入场", "Vehicle entry"),
        ("parking.exit", S.INFO, "车辆出场", "Vehicle exit"),
        ("parking.blacklist", S.HIGH, "黑名单车辆", "Blacklisted vehicle"),
    ],
)
