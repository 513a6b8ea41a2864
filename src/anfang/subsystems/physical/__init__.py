"""实体防护装置 physical protection: registration."""

from anfang.core import kinds
from anfang.core.kinds import Severity as S
from anfang.subsystems import Subsystem, register

SUBSYSTEM = register(
    Subsystem(
        "physical",
        "实体防护",
        "Physical protection",
        models=("anfang.subsystems.physical.models",),
        api=("anfang.subsystems.physical.api",),
        components=("anfang.subsystems.physical.component:make",),
        sims=("anfang.subsystems.physical.sim:make_demo_inventory",),
        order=80,
    ),
    [
        ("physical.repair_overdue", S.MEDIUM, "实体防护维修超期", "Repair overdue"),
    ],
    derived=frozenset({"physical.repair_overdue"}),
)
# A guard's reader or phone (patrol devices) reports damage and inspections too.
kinds.register(
    "physical.damage",
    S.MEDIUM,
    "实体防护损坏",
    "Physical barrier damaged",
    also_from=frozenset({"patrol"}),
)
kinds.register(
    "physical.inspection",
    S.INFO,
    "实体防护巡查",
    "Physical barrier inspected",
    also_from=frozenset({"patrol"}),
)
