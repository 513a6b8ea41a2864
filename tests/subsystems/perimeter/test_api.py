"""Perimeter API: bypass (audited, silences, expires by itself) and weekly schedules."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select, update

from anfang.app.platform import Platform
from anfang.core.linkage import LinkageRequest
from anfang.core.writer import WriteContext
from anfang.store.base import utcnow
from anfang.store.models import AuditEntry, EventRow
from anfang.subsystems.home_alarm.adapters.sia_dc09 import SiaEvent
from anfang.subsystems.perimeter.models import PerimeterZoneConfig
from anfang.subsystems.perimeter.state import TOPIC
from tests.conftest import ADMIN_PASSWORD, auth, login
from tests.subsystems.perimeter.conftest import Fence, alarms, component, intrusions, send, until

BA3 = SiaEvent("BA", zone="3", partition="1")


async def test_bypass_is_audited_silences_and_expires(platform: Platform, fence: Fence) -> None:
    from anfang.app.http import create_app

    app = create_app(platform.settings, platform=platform)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        h = auth(await login(c, "admin", ADMIN_PASSWORD))
        url = f"/api/v1/perimeter/zones/{fence.zone_id}/bypass"
        r = await c.post(url, json={"duration_s": 10, "reason": "x"}, headers=h)
        assert r.status_code == 422  # at least a minute
        r = await c.post(url, json={"duration_s": 600, "reason": "维修围栏"}, headers=h)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["armed_now"] is False and body["bypass_by"] == "user:admin"
        await send(platform, 1, BA3)
        assert intrusions(platform)[0].payload["no_alarm"] == "zone_bypassed"
        assert alarms(platform) == []
        zones = (await c.get("/api/v1/perimeter/zones", headers=h)).json()
        assert [(z["code"], z["armed_now"]) for z in zones] == [("N-01", False), ("N-02", True)]
        assert zones[0]["geometry"] == [[0.0, 0.0], [50.0, 0.0]]
        r = await c.delete(url, headers=h)
        assert r.status_code == 200 and r.json()["armed_now"] is True
        assert (await c.delete(url, headers=h)).status_code == 409
        r = await c.get(f"/api/v1/perimeter/zones/{fence.zone_id}/cameras", headers=h)
        assert r.json() == ["CAM-IN", "CAM-B"]
        assert (await c.get("/api/v1/perimeter/zones/999", headers=h)).status_code == 404
        r = await c.post(url, json={"duration_s": 600, "reason": "再次维修"}, headers=h)
        assert r.status_code == 200
    with platform.read_session() as s:
        actions = [a.action for a in s.scalars(select(AuditEntry)) if a.action.startswith("perim")]
    assert actions == ["perimeter.bypass", "perimeter.unbypass", "perimeter.bypass"]

    def age(ctx: WriteContext) -> None:  # as if the ten minutes had passed
        ctx.session.execute(
            update(PerimeterZoneConfig).values(bypass_until=utcnow() - timedelta(seconds=1))
        )
        ctx.mark_changed(TOPIC)

    await platform.writer.run(age)
    # (the component's own clock may get there first: either way it ends once)
    await component(platform).expire_now()
    assert await component(platform).expire_now() == 0
    with platform.read_session() as s:
        ends = s.scalars(select(EventRow).where(EventRow.kind == "perimeter.unbypassed")).all()
    assert len(ends) == 2 and ends[-1].payload.get("expired")
    await send(platform, 2, BA3)
    assert len(alarms(platform)) == 1


async def test_schedule_arms_zones_by_weekday(
    platform: Platform, fence: Fence, linked: list[LinkageRequest]
) -> None:
    from anfang.app.http import create_app

    today = utcnow().astimezone(component(platform).state.tz).isoweekday()
    other = today % 7 + 1
    app = create_app(platform.settings, platform=platform)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        h = auth(await login(c, "admin", ADMIN_PASSWORD))
        url = f"/api/v1/perimeter/zones/{fence.zone_id}/schedule"
        bad = {"windows": [{"days": [8], "start": "00:00", "end": "23:59"}]}
        assert (await c.put(url, json=bad, headers=h)).status_code == 422
        only_other = {"windows": [{"days": [other], "start": "00:00", "end": "23:59"}]}
        r = await c.put(url, json=only_other, headers=h)
        assert r.status_code == 200 and r.json()["armed_now"] is False
        await send(platform, 1, BA3)
        assert intrusions(platform)[0].payload["no_alarm"] == "zone_outside_schedule"
        assert alarms(platform) == []
        # tamper is always active, whatever the schedule
        await send(platform, 2, SiaEvent("TA", zone="3", partition="1"))
        assert [a.kind for a in alarms(platform)] == ["perimeter.tamper"]
        r = await c.put(url, json={"windows": None, "cameras": 3}, headers=h)
        assert r.json()["armed_now"] is True and r.json()["cameras"] == 3
        await send(platform, 3, BA3)
        assert len(alarms(platform)) == 2
        await until(lambda: len(linked) == 2)
        assert linked[0].cameras == ("CAM-IN", "CAM-B", "CAM-A")
