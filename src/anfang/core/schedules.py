"""Weekly schedules (alarm definitions, perimeter arming): whether one is on at a time."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo


def schedule_active(schedule: list[dict[str, Any]] | None, at: datetime, tz: ZoneInfo) -> bool:
    """Whether a schedule (``[{"days": [1..7], "start": "HH:MM", "end": "HH:MM"}]``) is on."""
    if not schedule:
        return True
    local = at.astimezone(tz)
    t = local.time()
    for window in schedule:
        days = window.get("days") or [1, 2, 3, 4, 5, 6, 7]
        start = time.fromisoformat(window.get("start", "00:00"))
        end = time.fromisoformat(window.get("end", "23:59"))
        if start <= end:
            if local.isoweekday() in days and start <= t <= end:
                return True
        else:  # a window across midnight belongs to the day it started
            if (local.isoweekday() in days and t >= start) or (
                ((local - timedelta(days=1)).isoweekday() in days) and t <= end
            ):
                return True
    return False
