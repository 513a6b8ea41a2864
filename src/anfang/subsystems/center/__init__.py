"""小区监控中心 monitoring centre: registration."""

from anfang.core.kinds import Severity as S
from anfang.subsystems import Subsystem, register

SUBSYSTEM = register(
    Subsystem(
        "center",
        "监控中心",
        "Monitoring centre",
        models=("anfang.subsystems.center.models",),
        api=(
            "anfang.subsystems.center.api",
            "anfang.subsystems.center.api_reports",
            "anfang.subsystems.center.api_rules",
            "anfang.subsystems.center.api_maps",
        ),
        components=("anfang.subsystems.center.component:make",),
        sims=("anfang.subsystems.center.sim:make_demo_duty",),
        order=90,
    ),
    [
        ("center.shift_started", S.INFO, "值班开始", "Shift started"),
        ("center.handover", S.INFO, "交接班", "Shift handed over"),
        ("center.duty_note", S.INFO, "值班记录", "Duty log entry"),
        ("center.rule_popup", S.INFO, "联动弹窗", "Linkage pop-up"),
        ("center.rule_alarm", S.HIGH, "联动规则告警", "Linkage rule alarm"),
    ],
    derived=frozenset(
        {
            "center.shift_started",
            "center.handover",
            "center.duty_note",
            "center.rule_popup",
            "center.rule_alarm",
        }
    ),
)
