"""Partitions and zones configured, and operators recording arm state where allowed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.store.models import AuditEntry
from anfang.subsystems.home_alarm import partitions as parts
from anfang.subsystems.home_alarm import service as svc
from anfang.subsystems.home_alarm.models import (
    AccountCreate,
    ArmRequest,
    PartitionIn,
)
from tests.subsystems.home_alarm.test_state import events, partition_state


async def test_operator_arm_state_only_where_the_panel_allows(platform: Platform) -> None:
    await svc.create_account(platform, "t", AccountCreate(account="1234"))
    await parts.put_partition(platform, "t", "1234", PartitionIn(partition="01", name="一楼"))
    with pytest.raises(svc.Conflict, match="not operator-settable"):
        await parts.set_arm_state(platform, "user:op", "1234", "1", ArmRequest(state="armed"))
    await parts.put_partition(
        platform, "t", "1234", PartitionIn(partition="1", name="一楼", operator_settable=True)
    )
    out = await parts.set_arm_state(
        platform, "user:op", "1234", "1", ArmRequest(state="disarmed", note="住户电话确认")
    )
    assert out.state == "disarmed" and out.changed_by == "user:op"
    assert partition_state(platform, "1") == "disarmed"
    (ev,) = events(platform, "home_alarm.disarmed")
    assert ev.payload["operator"] == "user:op"
    with platform.read_session() as s:
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "alarm_partition.disarm")
        ).one()
    assert entry.actor == "user:op" and entry.detail["note"] == "住户电话确认"
    with platform.read_session() as s:
        (p,) = parts.list_partitions(s, "1234")
    assert p.state == "disarmed" and p.name == "一楼"
