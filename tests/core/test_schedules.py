"""Weekly schedules: windows by weekday, across midnight, and none (always on)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from anfang.core.schedules import schedule_active

TZ = ZoneInfo("Asia/Shanghai")


def test_schedule_windows() -> None:
    weekdays_9_to_5 = [{"days": [1, 2, 3, 4, 5], "start": "09:00", "end": "17:00"}]
    monday_noon = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
    sunday_noon = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)
    assert schedule_active(weekdays_9_to_5, monday_noon, TZ)
    assert not schedule_active(weekdays_9_to_5, sunday_noon, TZ)
    overnight_fri = [{"days": [5], "start": "22:00", "end": "06:00"}]
    sat_3am = datetime(2026, 11, 28, 3, 0, tzinfo=TZ)
    sun_3am = datetime(2026, 11, 29, 3, 0, tzinfo=TZ)
    assert schedule_active(overnight_fri, sat_3am, TZ)
    assert not schedule_active(overnight_fri, sun_3am, TZ)
    assert schedule_active(None, sun_3am, TZ)
