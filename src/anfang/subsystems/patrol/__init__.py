"""电子巡查 electronic guard tour: registration."""

from anfang.core.kinds import Severity as S
from anfang.subsystems import Subsystem, register

SUBSYSTEM = register(
    Subsystem(
        "patrol",
        "电子巡查",
        "Guard tour",
        models=("anfang.subsystems.patrol.models",),
        api=("anfang.subsystems.patrol.api", "anfang.subsystems.patrol.api_reports"),
        components=("anfang.subsystems.patrol.component:make",),
        sims=("anfang.subsystems.patrol.sim:make_demo_guards",),
        order=60,
    ),
    [
        ("patrol.checkpoint", S.INFO, "巡更打卡", "Checkpoint visited"),
        ("patrol.sos", S.CRITICAL, "巡更人员求助", "Guard SOS"),
        ("patrol.unknown_tag", S.LOW, "未登记的巡更点", "Unknown checkpoint tag"),
        ("patrol.missed", S.MEDIUM, "巡更漏检", "Checkpoint missed"),
        ("patrol.late", S.LOW, "巡更迟到", "Checkpoint late"),
        ("patrol.not_started", S.MEDIUM, "巡更未开始", "Round not started"),
        ("patrol.abandoned", S.MEDIUM, "巡更中断", "Round abandoned"),
    ],
    # The schedule's verdicts and the tag check are the platform's, never a device's.
    derived=frozenset(
        {
            "patrol.missed",
            "patrol.late",
            "patrol.not_started",
            "patrol.abandoned",
            "patrol.unknown_tag",
        }
    ),
)
