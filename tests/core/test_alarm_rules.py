"""The handling workflow as data: every step either plans a change or is refused with a code."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anfang.core.alarm_rules import (
    ACTIONS,
    CLOSED_STATES,
    OPEN_STATES,
    AlarmStepRefused,
    Step,
    plan,
)

STATES = (*OPEN_STATES, *CLOSED_STATES)
CODES = {
    "unknown_action",
    "alarm_closed",
    "alarm_held",
    "note_empty",
    "assignee_missing",
    "alarm_state",
    "bad_disposition",
    "bad_cause",
}


@given(
    action=st.sampled_from(ACTIONS) | st.text(max_size=8),
    state=st.sampled_from(STATES),
    assignee=st.sampled_from([None, "user:a", "user:b"]),
    actor=st.sampled_from(["user:a", "user:b"]),
    note=st.text(max_size=5),
    to=st.text(max_size=5),
    disposition=st.sampled_from([None, "real", "false", "test", "maintenance", "x"]),
    cause=st.sampled_from([None, "animal", "x"]),
    take_over=st.booleans(),
)
def test_a_step_plans_a_valid_change_or_is_refused_with_a_code(
    action: str,
    state: str,
    assignee: str | None,
    actor: str,
    note: str,
    to: str,
    disposition: str | None,
    cause: str | None,
    take_over: bool,
) -> None:
    step = Step(action, actor, note, to, disposition, cause, take_over)
    try:
        out = plan(step, state, assignee, "user:z")
    except AlarmStepRefused as refused:
        assert refused.code in CODES and refused.status == 409
        return
    assert out.transitions, "every accepted step is recorded"
    assert out.transitions[0][1] == state
    for (_, _, to_state, _), nxt in zip(out.transitions, out.transitions[1:], strict=False):
        assert nxt[1] == to_state  # transitions chain
    final = out.changes.get("state", state)
    assert out.transitions[-1][2] == final
    if state in CLOSED_STATES:
        assert action == "note" and "state" not in out.changes
    if final in CLOSED_STATES and state not in CLOSED_STATES:
        assert out.changes["closed"] is True and out.changes["disposition"]
        assert (out.changes["disposition"] == "false") == (final == "false_alarm")
    if assignee not in (None, actor) and not take_over:
        assert action in ("note", "assign")


def test_closing_a_new_alarm_is_recorded_as_two_steps() -> None:
    out = plan(Step("resolve", "user:a", "done", disposition="test"), "new", None, "system")
    assert [t[0] for t in out.transitions] == ["implied_ack", "resolve"]
    assert out.changes["acked"] and out.changes["assignee"] == "user:a"
    assert out.changes["disposition"] == "test" and out.changes["cause"] is None


def test_refusals_name_who_holds_or_closed_the_alarm() -> None:
    with pytest.raises(AlarmStepRefused) as held:
        plan(Step("acknowledge", "user:b"), "new", "user:a", "user:a")
    assert held.value.params == {"by": "user:a"}
    with pytest.raises(AlarmStepRefused) as closed:
        plan(Step("claim", "user:b"), "resolved", None, "user:a")
    assert closed.value.code == "alarm_closed" and (closed.value.params or {})["by"] == "user:a"
    with pytest.raises(AlarmStepRefused) as wrong:
        plan(Step("resolve", "user:a", disposition="false"), "acknowledged", None, "x")
    assert wrong.value.code == "bad_disposition"
