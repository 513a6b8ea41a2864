"""The pure decision: schedules in the site time zone, holidays, validity, passback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anfang.subsystems.access import rules as r

TZ = ZoneInfo("Asia/Shanghai")
DOOR = r.Door(1, "G1", "南门")
WORKDAY = r.Schedule((r.window_of({"days": [0, 1, 2, 3, 4], "start": "08:00", "end": "18:00"}),))


def cfg(**over: object) -> r.Config:
    c = r.Config(
        tz=TZ,
        doors={1: DOOR},
        credentials={("card", "1"): r.Credential(10, 5, "card")},
        holders={5: r.Holder(5, "李四", groups=frozenset({7}))},
        rules={1: [(7, 3)]},
        schedules={3: WORKDAY},
    )
    for k, v in over.items():
        setattr(c, k, v)
    return c


def local(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=TZ).astimezone(UTC)


def test_schedule_uses_site_time() -> None:
    # Monday 2026-11-23 09:00 in Shanghai is 01:00 UTC: inside; 19:00 local is outside.
    assert r.decide(cfg(), DOOR, "entry", "card", "1", local(2026, 11, 23, 9)).granted
    late = r.decide(cfg(), DOOR, "entry", "card", "1", local(2026, 11, 23, 19))
    assert (late.granted, late.reason, late.holder_name) == (False, "outside_schedule", "李四")
    assert not r.decide(cfg(), DOOR, "entry", "card", "1", local(2026, 11, 22, 9)).granted


def test_holidays_replace_weekly_windows() -> None:
    holiday_morning = r.Schedule(
        WORKDAY.windows, (r.window_of({"days": list(range(7)), "start": "10:00", "end": "12:00"}),)
    )
    c = cfg(schedules={3: holiday_morning}, holidays=frozenset({"2026-10-01"}))
    assert not r.decide(c, DOOR, "entry", "card", "1", local(2026, 10, 1, 9)).granted
    assert r.decide(c, DOOR, "entry", "card", "1", local(2026, 10, 1, 11)).granted


def test_validity_and_states() -> None:
    now = local(2026, 11, 23, 9)
    expired = r.Credential(10, 5, "card", valid_until=now - timedelta(seconds=1))
    c = cfg(credentials={("card", "1"): expired})
    assert r.decide(c, DOOR, "entry", "card", "1", now).reason == "credential_not_valid"
    c = cfg(holders={5: r.Holder(5, "x", state="suspended", groups=frozenset({7}))})
    assert r.decide(c, DOOR, "entry", "card", "1", now).reason == "holder_inactive"
    c = cfg(
        holders={5: r.Holder(5, "x", valid_from=now + timedelta(days=1), groups=frozenset({7}))}
    )
    assert r.decide(c, DOOR, "entry", "card", "1", now).reason == "holder_not_valid"
    assert r.decide(cfg(rules={}), DOOR, "entry", "card", "1", now).reason == "no_permission"
    off = r.Door(1, "G1", "x", enabled=False)
    assert r.decide(cfg(), off, "entry", "card", "1", now).reason == "door_disabled"
    assert r.decide(cfg(), DOOR, "entry", "card", "2", now).reason == "unknown_credential"


@pytest.mark.parametrize(
    ("mode", "last", "direction", "granted", "reason"),
    [
        ("hard", "entry", "entry", False, "passback"),
        ("hard", "exit", "entry", True, "ok"),
        ("hard", None, "exit", True, "ok"),
        ("soft", "entry", "entry", True, "passback_soft"),
        ("off", "entry", "entry", True, "ok"),
    ],
)
def test_passback(mode: str, last: str | None, direction: str, granted: bool, reason: str) -> None:
    door = r.Door(1, "G1", "x", anti_passback=mode, area="G1")
    d = r.decide(
        cfg(rules={1: [(7, None)]}), door, direction, "card", "1", local(2026, 1, 1, 3), last
    )
    assert (d.granted, d.reason, d.passback_violation) == (granted, reason, reason.endswith("soft"))


@given(
    st.integers(0, 6), st.integers(0, 24 * 60 - 1), st.integers(0, 24 * 60), st.integers(1, 24 * 60)
)
def test_window_covers_exactly_its_range(day: int, minute: int, start: int, length: int) -> None:
    end = min(start + length, 24 * 60)
    if end <= start:
        return
    w = r.Window(frozenset({day}), start, end)
    assert w.covers(day, minute) == (start <= minute < end)
    assert not w.covers((day + 1) % 7, minute)


@pytest.mark.parametrize("text", ["8:0", "25:00", "12:60", "noon", "", "24:01"])
def test_bad_times(text: str) -> None:
    with pytest.raises(ValueError):
        r.parse_hhmm(text)


def test_passback_timed_reset() -> None:
    at = local(2026, 11, 23, 9)
    hours = r.Door(1, "G1", "南门", anti_passback="hard", reset_h=4)
    assert not r.passback_expired(hours, at, at + timedelta(hours=3, minutes=59), TZ)
    assert r.passback_expired(hours, at, at + timedelta(hours=4), TZ)
    daily = r.Door(1, "G1", "南门", anti_passback="hard", reset_at=3 * 60)  # 03:00 site time
    assert not r.passback_expired(daily, at, local(2026, 11, 24, 2, 59), TZ)
    assert r.passback_expired(daily, at, local(2026, 11, 24, 3, 0), TZ)
    late = local(2026, 11, 23, 23, 30)  # passed in after midnight UTC-wise, before 03:00
    assert not r.passback_expired(daily, late, local(2026, 11, 24, 1), TZ)
    assert r.passback_expired(daily, late, local(2026, 11, 25, 1), TZ)
    assert not r.passback_expired(DOOR, at, at + timedelta(days=365), TZ)


@given(st.integers(0, 24 * 60 - 1), st.integers(0, 3 * 24 * 60), st.integers(0, 3 * 24 * 60))
def test_passback_daily_reset_is_monotonic(reset: int, start: int, later: int) -> None:
    door = r.Door(1, "G1", "南门", anti_passback="hard", reset_at=reset)
    at = local(2026, 11, 23, 0) + timedelta(minutes=start)
    now = at + timedelta(minutes=later)
    expired = r.passback_expired(door, at, now, TZ)
    # Expired exactly when a reset time of day lies in (at, now].
    crossed = any(
        (at.astimezone(TZ) + timedelta(minutes=m)).hour * 60
        + (at.astimezone(TZ) + timedelta(minutes=m)).minute
        == reset
        for m in range(1, later + 1)
    )
    assert expired == crossed
