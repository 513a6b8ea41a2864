"""The life cycle's rules, pure: who takes which step from where, and each refusal's code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from anfang.compliance import lifecycle
from anfang.compliance.lifecycle import Project, Refused

NOW = datetime(2026, 12, 6, tzinfo=UTC)


def code(fn, *args) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(Refused) as err:
        fn(*args)
    assert err.value.status == 409
    return str(err.value.code)


def test_steps_by_side_and_stage() -> None:
    assert code(lifecycle.may, Project(), "start_construction", "property") == "not_approved"
    assert code(lifecycle.may, Project(), "review", "property") == "wrong_role"
    assert code(lifecycle.may, Project(), "review", "police") == "wrong_stage"
    assert code(lifecycle.may, Project(), "fly", "police") == "unknown_action"
    lifecycle.may(Project(stage="design_approved"), "start_construction", "property")
    lifecycle.may(Project(stage="design_returned"), "submit_design", "property")
    assert lifecycle.next_stage("review", "return") == "design_returned"
    assert lifecycle.next_stage("accept", "fail") is None
    assert lifecycle.next_stage("accept", "basic_pass") == "accepted"


def test_verdicts_per_step() -> None:
    assert code(lifecycle.check_verdict, "review", None) == "verdict_missing"
    assert code(lifecycle.check_verdict, "review", "pass") == "verdict_invalid"
    assert code(lifecycle.check_verdict, "inspect", "basic_pass") == "verdict_invalid"
    lifecycle.check_verdict("accept", "basic_pass")
    lifecycle.check_verdict("start_trial", None)


def test_built_as_approved() -> None:
    assert (
        code(lifecycle.check_built_as_approved, Project(pending_changes=1), []) == "change_pending"
    )
    assert (
        code(lifecycle.check_built_as_approved, Project(), ["新增设备 X"]) == "unapproved_changes"
    )
    lifecycle.check_built_as_approved(Project(), [])


def test_trial_panel_and_registration() -> None:
    assert (
        code(lifecycle.check_trial_length, Project(trial_started=NOW - timedelta(days=29)), NOW)
        == "trial_too_short"
    )
    lifecycle.check_trial_length(Project(trial_started=NOW - timedelta(days=30)), NOW)
    assert code(lifecycle.check_panel, []) == "too_few_experts"
    lifecycle.check_panel([{"expert": True}, {"expert": False}])  # exactly half
    assert lifecycle.registration_due(Project(), NOW) is None
    live = Project(stage="operating", went_live=NOW - timedelta(days=31))
    assert lifecycle.registration_due(live, NOW) == (NOW - timedelta(days=1), True)
    assert lifecycle.registration_due(Project(went_live=NOW, registered=NOW), NOW) is None
