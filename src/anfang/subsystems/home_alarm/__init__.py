"""家居（联网）报警 networked home alarms: registration."""

from anfang.core import kinds
from anfang.core.kinds import Severity as S
from anfang.subsystems import Subsystem, register

SUBSYSTEM = register(
    Subsystem(
        "home_alarm",
        "家居联网报警",
        "Home alarms",
        models=("anfang.subsystems.home_alarm.models",),
        api=("anfang.subsystems.home_alarm.api",),
        components=("anfang.subsystems.home_alarm.component:make",),
        sims=("anfang.subsystems.home_alarm.sim:make_demo_panels",),
        order=50,
    ),
    [
        ("home_alarm.panic", S.CRITICAL, "紧急求助", "Panic"),
        ("home_alarm.burglary", S.HIGH, "入室盗窃报警", "Burglary"),
        ("home_alarm.fire", S.CRITICAL, "火警", "Fire"),
        ("home_alarm.gas", S.CRITICAL, "燃气泄漏", "Gas leak"),
        ("home_alarm.water", S.MEDIUM, "水浸", "Water leak"),
        ("home_alarm.restore", S.INFO, "报警恢复", "Alarm restore"),
        ("home_alarm.armed", S.INFO, "布防", "Armed"),
        ("home_alarm.disarmed", S.INFO, "撤防", "Disarmed"),
        ("home_alarm.tamper", S.HIGH, "报警主机防拆", "Panel tamper"),
        ("home_alarm.trouble", S.MEDIUM, "报警主机故障", "Panel trouble"),
        ("home_alarm.test", S.INFO, "定期测试报告", "Periodic test"),
        ("home_alarm.comm_fail", S.HIGH, "报警主机通信故障", "Panel communication failure"),
    ],
    derived=frozenset({"home_alarm.comm_fail"}),  # the receiver's supervision decides
)
kinds.register(
    "home_alarm.comm_restore",
    S.INFO,
    "报警主机通信恢复",
    "Panel communication restored",
    restore_of="home_alarm.comm_fail",
    derived=True,
)
