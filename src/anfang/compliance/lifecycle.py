"""The project's life cycle, pure: stages, who may take which step from where, and the
refusals (each with a stable code and its facts, which the console says in Chinese).

design → police design review → approved → construction (changes re-approved) → trial run
(≥ 30 days, GB 55029) → acceptance (experts ≥ 50 % of the panel, GB 50348-2018 §10.1) →
police inspection before use → operating; registration with the police within 30 days
of going live (Order 799) is tracked with a reminder.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, get_args

from anfang.core.errors import DomainError

Stage = Literal[
    "draft",
    "design_submitted",
    "design_returned",
    "design_approved",
    "construction",
    "trial_run",
    "trial_done",
    "accepted",
    "operating",
]
STAGES: tuple[Stage, ...] = get_args(Stage)
STAGE_ZH = {
    "draft": "设计编制",
    "design_submitted": "设计待审",
    "design_returned": "设计退回整改",
    "design_approved": "设计已批准",
    "construction": "施工中",
    "trial_run": "试运行",
    "trial_done": "试运行完成",
    "accepted": "验收通过",
    "operating": "投入使用",
}
TRIAL_MIN_DAYS = 30
EXPERT_SHARE = 0.5
REGISTER_WITHIN_DAYS = 30
Role = Literal["property", "police"]
# The verdicts each judging step takes.
VERDICTS: dict[str, tuple[str, ...]] = {
    "review": ("approve", "return"),
    "accept": ("pass", "basic_pass", "fail"),
    "inspect": ("pass", "fail"),
}

# action: (who takes it, the stages it is taken from)
ACTIONS: dict[str, tuple[Role, tuple[Stage, ...]]] = {
    "submit_design": ("property", ("draft", "design_returned")),
    "review": ("police", ("design_submitted",)),
    "start_construction": ("property", ("design_approved",)),
    "start_trial": ("property", ("construction",)),
    "finish_trial": ("property", ("trial_run",)),
    "accept": ("property", ("trial_done",)),
    "inspect": ("police", ("accepted",)),
    "register": ("property", ("operating",)),
}


class Refused(DomainError):
    """A life-cycle step refused (409) with a code and its facts."""

    status = 409

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.code, self.params = code, params


@dataclass(frozen=True)
class Project:
    """Where the project stands (derived from its recorded steps)."""

    stage: Stage = "draft"
    approved_design: int | None = None
    trial_started: datetime | None = None
    went_live: datetime | None = None
    registered: datetime | None = None
    pending_changes: int = 0


def may(project: Project, action: str, role: Role) -> None:
    """Refuse ``action`` by ``role`` unless the project's stage allows it."""
    if action not in ACTIONS:
        raise Refused("unknown_action", f"no life-cycle action {action!r}", action=action)
    who, stages = ACTIONS[action]
    if who != role:
        need = "公安机关" if who == "police" else "物业/建设单位"
        raise Refused(
            "wrong_role", f"{action} is taken by the {who} side", action=action, role=need
        )
    if project.stage not in stages:
        if action == "start_construction":
            raise Refused(
                "not_approved",
                "construction may start only after the police approved the design",
                stage=STAGE_ZH[project.stage],
            )
        raise Refused(
            "wrong_stage",
            f"{action} is not possible at stage {project.stage}",
            action=action,
            stage=STAGE_ZH[project.stage],
        )


def check_verdict(action: str, verdict: str | None) -> None:
    """Refuse a judging step without a verdict, or with one that step does not take."""
    allowed = VERDICTS.get(action)
    if allowed is None:
        return
    if verdict is None:
        raise Refused("verdict_missing", f"{action} needs a verdict", allowed="/".join(allowed))
    if verdict not in allowed:
        raise Refused("verdict_invalid", f"{action} takes one of {', '.join(allowed)}",
                      verdict=verdict, allowed="/".join(allowed))  # fmt: skip


def check_built_as_approved(project: Project, differences: list[str]) -> None:
    """Refuse going on while a change waits for approval or the site differs from the
    approved design (each change must be re-approved before it is built)."""
    if project.pending_changes:
        raise Refused(
            "change_pending",
            "a change request waits for the police's approval",
            count=project.pending_changes,
        )
    if differences:
        raise Refused(
            "unapproved_changes",
            f"the site differs from the approved design in {len(differences)} places; "
            "submit a change request and have it approved",
            count=len(differences),
            first="; ".join(differences[:5]),
        )


def check_trial_length(project: Project, now: datetime) -> None:
    """Refuse finishing a trial run shorter than 30 days (GB 55029)."""
    start = project.trial_started
    days = (now - start).total_seconds() / 86400 if start else 0.0
    if days < TRIAL_MIN_DAYS:
        raise Refused(
            "trial_too_short",
            f"the trial run has lasted {days:.1f} days; at least {TRIAL_MIN_DAYS}",
            days=round(days, 1),
            minimum=TRIAL_MIN_DAYS,
        )


def check_panel(panel: list[dict[str, Any]]) -> None:
    """Refuse an acceptance panel where experts are fewer than half (GB 50348-2018 §10.1)."""
    experts = sum(1 for m in panel if m.get("expert"))
    if not panel or experts / len(panel) < EXPERT_SHARE:
        raise Refused(
            "too_few_experts",
            f"{experts} of {len(panel)} panel members are experts; at least half",
            experts=experts,
            members=len(panel),
        )


def next_stage(action: str, verdict: str | None = None) -> Stage | None:
    """The stage an action leads to (None: the stage stays, e.g. a failed acceptance)."""
    passed = verdict in (None, "pass", "basic_pass", "approve")
    to: dict[str, Stage] = {
        "submit_design": "design_submitted",
        "start_construction": "construction",
        "start_trial": "trial_run",
        "finish_trial": "trial_done",
        "accept": "accepted",
        "inspect": "operating",
        "register": "operating",
    }
    if action == "review":
        return "design_approved" if verdict == "approve" else "design_returned"
    return to[action] if passed else None


def registration_due(project: Project, now: datetime) -> tuple[datetime, bool] | None:
    """When registration with the police is due and whether it is overdue (None: not live
    yet, or registered)."""
    if project.went_live is None or project.registered is not None:
        return None
    due = project.went_live + timedelta(days=REGISTER_WITHIN_DAYS)
    return due, now > due
