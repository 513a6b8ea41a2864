"""实体防护装置 physical protection: registration."""

from anfang.core.kinds import Severity as S
from anfang.subsystems import Subsystem, register

register(
    Subsystem("physical", "实体防护", "Physical protection"),
    [
        ("physical.damage", S.MEDIUM, "实体防护损坏", "Physical barrier damaged"),
    ],
)
