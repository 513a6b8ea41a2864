"""公安联网 police uplink: registration. anfang as a GB/T 28181 lower platform and a GA/T 1400
client of the city's public-security platforms, with a durable outbox between them.

It is a cross-cutting part (docs/ARCHITECTURE.md), registered like a subsystem so that it
brings its tables, routers and component the same way."""

from anfang.core.kinds import Severity as S
from anfang.subsystems import Subsystem, register

SUBSYSTEM = register(
    Subsystem(
        "uplink",
        "公安联网",
        "Police uplink",
        models=("anfang.uplink.models",),
        api=("anfang.uplink.api", "anfang.uplink.api_district", "anfang.uplink.api_viid"),
        components=(
            "anfang.uplink.component:make",
            "anfang.uplink.component:make_publisher",
            "anfang.uplink.component:make_district",
        ),
        sims=("anfang.uplink.sim:make_demo_upper",),
        order=95,
    ),
    [
        ("uplink.online", S.INFO, "上级平台已连接", "Upper platform connected"),
        ("uplink.offline", S.MEDIUM, "上级平台连接中断", "Upper platform unreachable"),
        ("uplink.refused", S.HIGH, "上级平台拒绝注册", "Upper platform refused registration"),
    ],
    derived=frozenset({"uplink.online", "uplink.offline", "uplink.refused"}),
)
