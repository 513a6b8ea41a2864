"""出入口控制 access control: registration."""

from anfang.core.kinds import Severity as S
from anfang.subsystems import Subsystem, register

register(
    Subsystem("access", "出入口控制", "Access control"),
    [
        ("access.granted", S.INFO, "通行放行", "Access granted"),
        ("access.denied", S.LOW, "通行拒绝", "Access denied"),
        ("access.door_forced", S.HIGH, "强行开门", "Door forced open"),
        ("access.door_held", S.MEDIUM, "门长时间未关", "Door held open"),
        ("access.door_closed", S.INFO, "门已关闭", "Door closed"),
        ("access.remote_open", S.LOW, "远程开门", "Remote open"),
        ("access.duress", S.CRITICAL, "胁迫开门", "Duress"),
        ("access.tamper", S.HIGH, "读卡器防拆", "Reader tamper"),
    ],
)
