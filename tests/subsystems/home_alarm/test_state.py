"""GB 50394 behaviour over the real wire: arm state per partition, disarmed burglaries stored
without an alarm, panic/24-hour/tamper always active, latched alarms, supervision."""

from __future__ import annotations

from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.store.models import Alarm, EventRow
from anfang.subsystems.home_alarm import partitions as parts
from anfang.subsystems.home_alarm import service as svc
from anfang.subsystems.home_alarm.adapters.sia_dc09 import SiaEvent
from anfang.subsystems.home_alarm.component import SIA_RECEIVER, HomeAlarmComponent
from anfang.subsystems.home_alarm.models import (
    AccountCreate,
    AlarmPartition,
    ZoneIn,
)
from tests.subsystems.home_alarm.adapters.test_sia_receiver import exchange, frame, kind_of


async def send(platform: Platform, account: str, seq: int, *events: SiaEvent) -> None:
    """Send one frame to the platform's receiver and expect an ACK."""
    assert platform.capabilities.require(SIA_RECEIVER) is not None
    token = "ADM-CID" if events[0].qualifier is not None else "SIA-DCS"
    f = frame(account, seq, events=list(events), id_token=token)
    (reply,) = await exchange(platform.capabilities.require(SIA_RECEIVER), f)
    assert kind_of(reply) == b"ACK", reply


def alarms(platform: Platform) -> list[Alarm]:
    """Every alarm, oldest first."""
    with platform.read_session() as s:
        return list(s.scalars(select(Alarm).order_by(Alarm.created_at)))


def events(platform: Platform, kind: str) -> list[EventRow]:
    """Stored events of ``kind``."""
    with platform.read_session() as s:
        return list(s.scalars(select(EventRow).where(EventRow.kind == kind)))


def partition_state(platform: Platform, partition: str) -> str:
    """The stored arm state of ``partition`` of account 1234."""
    with platform.read_session() as s:
        return s.scalars(
            select(AlarmPartition.state).where(AlarmPartition.partition == partition)
        ).one()


def component(platform: Platform) -> HomeAlarmComponent:
    """The running home-alarm component."""
    return next(c for c in platform.components if isinstance(c, HomeAlarmComponent))


async def test_disarmed_burglary_is_stored_without_an_alarm(platform: Platform) -> None:
    await svc.create_account(platform, "t", AccountCreate(account="1234"))
    await send(platform, "1234", 1, SiaEvent("OP", zone="3", partition="1"))
    assert partition_state(platform, "1") == "disarmed"
    await send(platform, "1234", 2, SiaEvent("BA", zone="4", partition="1"))
    (burglary,) = events(platform, "home_alarm.burglary")
    assert burglary.payload["no_alarm"] == "partition_disarmed"
    assert alarms(platform) == []
    # panic and tamper are always active; so is a 24-hour zone's burglary
    await send(platform, "1234", 3, SiaEvent("PA", zone="9", partition="1"))
    await send(platform, "1234", 4, SiaEvent("TA", partition="1"))
    await parts.put_zone(platform, "t", "1234", ZoneIn(zone="07", zone_type="24h", room="储藏室"))
    await send(platform, "1234", 5, SiaEvent("BA", zone="7", partition="1"))
    kinds = sorted(a.kind for a in alarms(platform))
    assert kinds == ["home_alarm.burglary", "home_alarm.panic", "home_alarm.tamper"]
    row = next(e for e in events(platform, "home_alarm.burglary") if e.payload["zone"] == "7")
    assert row.payload["zone_type"] == "24h" and row.payload["room"] == "储藏室"


async def test_armed_burglary_latches_and_restore_does_not_clear(platform: Platform) -> None:
    await svc.create_account(platform, "t", AccountCreate(account="1234"))
    await send(platform, "1234", 1, SiaEvent("CL", zone="3", partition="1"))
    assert partition_state(platform, "1") == "armed"
    await send(platform, "1234", 2, SiaEvent("BA", zone="4", partition="1"))
    await send(platform, "1234", 3, SiaEvent("BR", zone="4", partition="1"))
    (alarm,) = alarms(platform)
    assert alarm.kind == "home_alarm.burglary" and alarm.state == "new"
    # a disarm after the alarm does not clear it either: only a person does
    await send(platform, "1234", 4, SiaEvent("OP", zone="3", partition="1"))
    (alarm,) = alarms(platform)
    assert alarm.state == "new"


async def test_whole_panel_report_and_contact_id_groups(platform: Platform) -> None:
    await svc.create_account(platform, "t", AccountCreate(account="1234"))
    # Contact ID 401: qualifier 3 closes (arms) group 02, qualifier 1 opens group 01
    await send(platform, "1234", 1, SiaEvent("401", 3, "003", "02"))
    await send(platform, "1234", 2, SiaEvent("401", 1, "003", "01"))
    assert partition_state(platform, "2") == "armed"
    assert partition_state(platform, "1") == "disarmed"
    await send(platform, "1234", 3, SiaEvent("130", 1, "004", "01"))
    assert alarms(platform) == []
    await send(platform, "1234", 4, SiaEvent("133", 1, "005", "01"))  # 24-hour (safe)
    await send(platform, "1234", 5, SiaEvent("130", 1, "006", "02"))
    assert len(alarms(platform)) == 1  # the 133 raised; 130 in group 02 attached to it
    # a closing without partition arms every partition of the panel
    await send(platform, "1234", 6, SiaEvent("CL", zone="1"))
    assert partition_state(platform, "1") == partition_state(platform, "2") == "armed"


async def test_only_the_accounts_own_reports_change_its_state(platform: Platform) -> None:
    from anfang.core.events import Event

    await svc.create_account(platform, "t", AccountCreate(account="1234"))
    await send(platform, "1234", 1, SiaEvent("CL", zone="3", partition="1"))
    forged = Event.create(
        "home_alarm.disarmed", "GATE-1", payload={"account": "1234", "partition": "1"}
    )
    await platform.pipeline.submit_many([forged])
    assert partition_state(platform, "1") == "armed"
    await send(platform, "1234", 2, SiaEvent("BA", zone="4", partition="1"))
    assert [a.kind for a in alarms(platform)] == ["home_alarm.burglary"]
