"""楼寓（可视）对讲 building video intercom: registration."""

from anfang.core.kinds import Severity as S
from anfang.subsystems import Subsystem, register

register(
    Subsystem("intercom", "楼寓对讲", "Building intercom"),
    [
        ("intercom.call", S.INFO, "访客呼叫", "Visitor call"),
        ("intercom.unlock", S.INFO, "对讲开门", "Intercom unlock"),
    ],
)
