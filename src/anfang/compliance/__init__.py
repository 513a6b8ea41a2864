"""合规 compliance: registration. The grade checker (requirement rules as data, checked
against a design file or the live system, reports signed with the audit key), the project's
life cycle from design review to police inspection, rectification orders, the operating
status for supervision, and maintenance (work orders, product data).

It is a cross-cutting part (docs/ARCHITECTURE.md), registered like a subsystem so that it
brings its tables, routers and component the same way."""

from anfang.core.kinds import Severity as S
from anfang.subsystems import Subsystem, register

SUBSYSTEM = register(
    Subsystem(
        "compliance",
        "合规与运维",
        "Compliance",
        models=("anfang.compliance.models",),
        api=("anfang.compliance.api", "anfang.compliance.api_maintenance"),
        components=("anfang.compliance.component:make",),
        sims=("anfang.compliance.sim:make_demo_project",),
        order=97,
    ),
    [
        ("compliance.order_overdue", S.MEDIUM, "整改通知逾期未完成", "Rectification order overdue"),
        (
            "compliance.registration_due",
            S.MEDIUM,
            "系统投入使用后逾期未备案",
            "Police registration overdue",
        ),
        ("maintenance.overdue", S.MEDIUM, "维修工单超时", "Work order overdue"),
    ],
    derived=frozenset(
        {"compliance.order_overdue", "compliance.registration_due", "maintenance.overdue"}
    ),
)
