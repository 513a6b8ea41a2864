"""周界入侵报警 perimeter intrusion alarm: registration."""

from anfang.core.kinds import Severity as S
from anfang.subsystems import Subsystem, register

register(
    Subsystem("perimeter", "周界入侵报警", "Perimeter intrusion"),
    [
        ("perimeter.intrusion", S.CRITICAL, "周界入侵", "Perimeter intrusion"),
        ("perimeter.restore", S.INFO, "周界防区恢复", "Perimeter zone restored"),
        ("perimeter.tamper", S.HIGH, "周界探测器防拆", "Perimeter detector tamper"),
        ("perimeter.trouble", S.MEDIUM, "周界探测器故障", "Perimeter detector trouble"),
        ("perimeter.armed", S.INFO, "周界布防", "Perimeter armed"),
        ("perimeter.disarmed", S.INFO, "周界撤防", "Perimeter disarmed"),
    ],
)
