"""出入口控制 access control: registration."""

from anfang.core.kinds import Severity as S
from anfang.subsystems import Subsystem, register

SUBSYSTEM = register(
    Subsystem(
        "access",
        "出入口控制",
        "Access control",
        models=(
            "anfang.subsystems.access.models",
            "anfang.subsystems.access.models_passes",
            "anfang.face.models",
        ),
        api=(
            "anfang.subsystems.access.api",
            "anfang.subsystems.access.api_config",
            "anfang.subsystems.access.api_terminal",
            "anfang.subsystems.access.api_passes",
            "anfang.face.api",
            "anfang.face.api_admin",
        ),
        components=(
            "anfang.face.service:make_face",
            "anfang.subsystems.access.component:make_access",
            "anfang.subsystems.access.component:make_linkage",
        ),
        sims=("anfang.subsystems.access.sim:make_demo_terminals",),
        order=30,
    ),
    [
        ("access.granted", S.INFO, "通行放行", "Access granted"),
        ("access.denied", S.LOW, "通行拒绝", "Access denied"),
        ("access.door_forced", S.HIGH, "强行开门", "Door forced open"),
        ("access.door_held", S.MEDIUM, "门长时间未关", "Door held open"),
        ("access.door_closed", S.INFO, "门已关闭", "Door closed"),
        ("access.remote_open", S.LOW, "远程开门", "Remote open"),
        ("access.duress", S.CRITICAL, "胁迫开门", "Duress"),
        ("access.tamper", S.HIGH, "读卡器防拆", "Reader tamper"),
        ("access.tamper_restore", S.INFO, "读卡器防拆恢复", "Reader tamper restored"),
        ("access.trouble", S.MEDIUM, "读卡器故障", "Reader trouble"),
        ("access.trouble_restore", S.INFO, "读卡器故障恢复", "Reader trouble restored"),
        ("access.reader_offline", S.MEDIUM, "读卡器离线", "Reader offline"),
        ("access.reader_online", S.INFO, "读卡器在线", "Reader online"),
    ],
    # A remote open is the platform's own command; a controller that decides by itself
    # may report its grants and denials.
    derived=frozenset({"access.remote_open"}),
)
