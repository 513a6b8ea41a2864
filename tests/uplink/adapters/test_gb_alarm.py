"""The Alarm Notify: anfang's kinds mapped to AlarmMethod and AlarmType as data, priorities
clamped to 1–4, Beijing time, and a body the upper platform's parser reads."""

from __future__ import annotations

from datetime import UTC, datetime

from anfang.uplink.adapters import gb28181 as gb
from anfang.uplink.adapters import gb_alarm


def test_alarm_notify_maps_kinds_as_data() -> None:
    at = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
    q = gb.parse(
        gb_alarm.alarm_notify(5, "34020000001340000001", 1, "video.loss", at, "视频丢失", "GB2312")
    )
    assert q.fields["AlarmMethod"] == "2" and q.fields["Info.AlarmType"] == "1"
    assert q.fields["AlarmPriority"] == "1" and q.fields["AlarmTime"] == "2026-12-06T10:00:00"
    assert gb_alarm.alarm_method("perimeter.intrusion") == (2, None)
    assert gb_alarm.alarm_method("video.motion") == (5, 2)
    assert gb_alarm.alarm_method("access.trouble") == (6, None)
    assert gb_alarm.alarm_method("something.else") == (7, None)
    assert gb_alarm.alarm_priority(9) == 4 and gb_alarm.alarm_priority(0) == 1
