"""电子巡查 electronic guard tour: registration."""

from anfang.core.kinds import Severity as S
from anfang.subsystems import Subsystem, register

SUBSYSTEM = register(
    Subsystem("patrol", "电子巡查", "Guard tour", order=60),
    [
        ("patrol.checkpoint", S.INFO, "巡更打卡", "Checkpoint visited"),
        ("patrol.missed", S.MEDIUM, "巡更漏检", "Checkpoint missed"),
        ("patrol.late", S.LOW, "巡更迟到", "Checkpoint late"),
    ],
    derived=frozenset({"patrol.missed", "patrol.late"}),  # the schedule's verdicts
)
