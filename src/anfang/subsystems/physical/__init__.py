"""实体防护装置 physical protection: registration."""

from anfang.core.kinds import Severity as S
from anfang.subsystems import Subsystem, register

SUBSYSTEM = register(
    Subsystem("physical", "实体防护", "Physical protection", order=80),
    [
        ("physical.damage", S.MEDIUM, "实体防护损坏", "Physical barrier damaged"),
    ],
)
