"""楼寓（可视）对讲 building video intercom: registration."""

from anfang.core.kinds import Severity as S
from anfang.subsystems import Subsystem, register

SUBSYSTEM = register(
    Subsystem(
        "intercom",
        "楼寓对讲",
        "Building intercom",
        models=("anfang.subsystems.intercom.models",),
        api=("anfang.subsystems.intercom.api",),
        components=("anfang.subsystems.intercom.component:make_intercom",),
        sims=("anfang.subsystems.intercom.sim:make_demo_intercom",),
        order=40,
    ),
    [
        ("intercom.call", S.INFO, "访客呼叫", "Visitor call"),
        ("intercom.unlock", S.INFO, "对讲开门", "Intercom unlock"),
        ("intercom.denied", S.INFO, "住户拒绝开门", "Visitor refused"),
        ("intercom.missed", S.INFO, "呼叫未接听", "Call not answered"),
    ],
    # The platform's SIP server sees every call; no device reports calls of its own.
    derived=frozenset({"intercom.call", "intercom.denied", "intercom.missed", "intercom.unlock"}),
)
