"""周界入侵报警 perimeter intrusion alarm: registration."""

from anfang.core import kinds
from anfang.core.kinds import Severity as S
from anfang.subsystems import Subsystem, register

SUBSYSTEM = register(
    Subsystem(
        "perimeter",
        "周界入侵报警",
        "Perimeter intrusion",
        models=("anfang.subsystems.perimeter.models",),
        api=("anfang.subsystems.perimeter.api",),
        components=("anfang.subsystems.perimeter.component:make",),
        sims=("anfang.subsystems.perimeter.sim:make_demo_beams",),
        order=10,
    ),
    [
        ("perimeter.intrusion", S.CRITICAL, "周界入侵", "Perimeter intrusion"),
        ("perimeter.restore", S.INFO, "周界防区恢复", "Perimeter zone restored"),
        ("perimeter.tamper", S.HIGH, "周界探测器防拆", "Perimeter detector tamper"),
        ("perimeter.trouble", S.MEDIUM, "周界探测器故障", "Perimeter detector trouble"),
        ("perimeter.armed", S.INFO, "周界布防", "Perimeter armed"),
        ("perimeter.disarmed", S.INFO, "周界撤防", "Perimeter disarmed"),
        ("perimeter.bypassed", S.LOW, "周界防区旁路", "Perimeter zone bypassed"),
        (
            "perimeter.comm_fail",
            S.HIGH,
            "周界报警主机通信故障",
            "Perimeter host communication failure",
        ),
    ],
    derived=frozenset({"perimeter.comm_fail"}),  # the receiver's supervision decides
)
kinds.register(
    "perimeter.unbypassed",
    S.INFO,
    "周界防区旁路解除",
    "Perimeter zone bypass ended",
    restore_of="perimeter.bypassed",
)
kinds.register(
    "perimeter.comm_restore",
    S.INFO,
    "周界报警主机通信恢复",
    "Perimeter host communication restored",
    restore_of="perimeter.comm_fail",
    derived=True,
)
