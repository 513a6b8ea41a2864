"""Linkage rules as data: matching by kind, place and schedule; refusals; loops found."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

import anfang.core.alarms  # noqa: F401  (declares alarm.escalated)
from anfang.core.linkage_rules import (
    Happening,
    Rule,
    RuleInvalid,
    check_actions,
    check_kinds,
    find_loop,
    matches,
    produces,
)

TZ = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def test_a_rule_matches_by_kind_place_and_schedule() -> None:
    r = Rule(1, "西墙", ("perimeter.*",), zone_ids=frozenset({7}), actions=({"type": "clip"},))
    assert matches(r, Happening("perimeter.intrusion", "PZ-1", 7, None, AT), TZ)
    assert not matches(r, Happening("perimeter.intrusion", "PZ-1", 8, None, AT), TZ)
    assert not matches(r, Happening("access.granted", "PZ-1", 7, None, AT), TZ)
    night = Rule(
        2,
        "夜间",
        ("perimeter.*",),
        schedule=[{"days": [1, 2, 3, 4, 5, 6, 7], "start": "22:00", "end": "06:00"}],
    )
    assert not matches(night, Happening("perimeter.intrusion", "PZ-1", 7, None, AT), TZ)
    off = Rule(3, "停用", ("perimeter.*",), enabled=False)
    assert not matches(off, Happening("perimeter.intrusion", "PZ-1", 7, None, AT), TZ)


def test_refusals_have_codes() -> None:
    with pytest.raises(RuleInvalid) as bad:
        check_kinds(("alarm.nonsense",))
    assert bad.value.code == "unknown_kind"
    check_kinds(("alarm.*", "alarm.escalated"))
    with pytest.raises(RuleInvalid) as none:
        check_actions(())
    assert none.value.code == "no_actions"
    with pytest.raises(RuleInvalid) as door:
        check_actions(({"type": "open_door"},))
    assert door.value.code == "action_param" and door.value.params["param"] == "door"
    with pytest.raises(RuleInvalid) as url:
        check_actions(({"type": "notify", "url": "ftp://x"},))
    assert url.value.code == "action_param"


def test_loops_are_found_with_their_rules() -> None:
    opens = Rule(1, "开门", ("access.remote_open",), actions=({"type": "open_door", "door": "D1"},))
    assert find_loop([opens]) == ["开门", "开门"]
    a = Rule(1, "A", ("center.rule_alarm",), actions=({"type": "popup"},))
    b = Rule(2, "B", ("center.rule_popup",), actions=({"type": "raise_alarm"},))
    assert find_loop([a, b]) in (["A", "B", "A"], ["B", "A", "B"])
    assert find_loop([a]) is None
    assert produces(b) == frozenset({"center.rule_alarm"})


@given(
    st.lists(
        st.tuples(
            st.integers(0, 5),
            st.sampled_from(["popup", "raise_alarm", "clip"]),
            st.sampled_from(["center.rule_popup", "center.rule_alarm", "perimeter.intrusion"]),
        ),
        max_size=6,
    )
)
def test_find_loop_only_reports_real_cycles(spec: list[tuple[int, str, str]]) -> None:
    rules = [
        Rule(i, f"R{i}", (kind,), actions=({"type": act},)) for i, (_, act, kind) in enumerate(spec)
    ]
    cycle = find_loop(rules)
    if cycle is None:
        return
    by_name = {r.name: r for r in rules}
    assert cycle[0] == cycle[-1]
    for x, y in itertools.pairwise(cycle):
        assert by_name[y].kinds[0] in produces(by_name[x])
