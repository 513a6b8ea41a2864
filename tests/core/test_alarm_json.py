"""How an alarm is shown: every field the console and the API read, times in ISO 8601."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from anfang.core.alarm_json import alarm_json, field

T = datetime(2026, 12, 6, 16, 0, tzinfo=UTC)


def test_alarm_json_carries_every_field_and_leaves_unset_times_empty() -> None:
    row = SimpleNamespace(
        id=7, definition_id=2, title="周界入侵", kind="perimeter.intrusion", source="PIR-Z1",
        device_id=3, zone_id=1, site_id=1, priority=1, state="new", created_at=T,
        updated_at=T, last_event_at=T, event_count=2, escalation_level=0, escalated_at=None,
        assignee=None, dispatched_to=None, acked_at=None, closed_at=None, disposition=None,
        cause=None,
    )  # fmt: skip
    out = alarm_json(row, procedure="1. 查看视频")
    assert out["created_at"] == "2026-12-06T16:00:00+00:00"
    assert out["acked_at"] is None and out["escalated_at"] is None
    assert out["dispatched_to"] == ""  # never null: the console prints it
    assert out["procedure"] == "1. 查看视频" and out["event_count"] == 2


def test_field_keeps_extras() -> None:
    assert field("电话", "Phone", "13800000000", tel=True) == {
        "zh": "电话",
        "en": "Phone",
        "value": "13800000000",
        "tel": True,
    }
