"""Whose home an alarm is from: household, address, residents, phones, partition, zone."""

from __future__ import annotations

from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.core import alarm_service as svc
from anfang.core.events import Event
from anfang.core.writer import WriteContext
from anfang.store.models import Alarm, Building, Household, Resident, Site, Unit
from anfang.subsystems.center.history import HistoryFilter, search
from anfang.subsystems.home_alarm.context import account_of, alarm_context
from anfang.subsystems.home_alarm.models import AlarmAccount, AlarmPartition, AlarmZone


def _seed(ctx: WriteContext) -> None:
    s = ctx.session
    site = Site(code="S", name="测试小区")
    s.add(site)
    s.flush()
    b = Building(site_id=site.id, code="B03", name="3号楼")
    s.add(b)
    s.flush()
    u = Unit(building_id=b.id, code="2", name="2单元")
    s.add(u)
    s.flush()
    hh = Household(unit_id=u.id, floor=12, room="1201", phone="021-5555")
    s.add(hh)
    s.flush()
    s.add(Resident(household_id=hh.id, name="王芳", phone="13800000001", role="owner"))
    acct = AlarmAccount(account="1234", kind="home", household_id=hh.id)
    s.add(acct)
    s.flush()
    s.add(AlarmZone(account_id=acct.id, zone="003", partition="1", name="客厅红外"))
    s.add(AlarmPartition(account_id=acct.id, partition="1", name="全屋", state="armed"))


async def test_a_burglary_says_whose_home_and_how_to_call(platform: Platform) -> None:
    await platform.writer.run(_seed)
    ev = Event.create("home_alarm.burglary", "SIA-1234", payload={"zone": "003", "partition": ""})
    await platform.pipeline.submit(ev)
    with platform.read_session() as s:
        alarm = s.scalars(select(Alarm)).one()
        assert account_of(s, "SIA-1234") is not None and account_of(s, "PZ-1") is None
        sections = {x["key"]: x for x in alarm_context(s, alarm)}
        values = {f["en"]: f["value"] for f in sections["household"]["fields"]}
        assert values["Household"] == "3号楼 2单元 1201"
        assert values["Resident (owner)"] == "王芳" and values["王芳's phone"] == "13800000001"
        panel = {f["en"]: f["value"] for f in sections["panel"]["fields"]}
        assert panel["Zone"] == "003 客厅红外" and panel["Partition"] == "1 全屋"
        assert panel["Arm state"] == "armed"
        # and the alarm detail carries it (the component added the source)
        keys = [x["key"] for x in svc.detail(s, platform.alarms, alarm.id)["context"]]
        assert keys == ["household", "panel"]
        # the centre's history finds it by household
        hh = sections["household"]["household_id"]
        found, _ = search(s, platform.alarms, HistoryFilter(household_id=hh))
        assert [a["id"] for a in found] == [alarm.id]
