"""Anti-passback timed reset (per door) and the audited operator forgive."""

from __future__ import annotations

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.store.base import utcnow
from anfang.store.models import AuditEntry
from anfang.subsystems.access.service import ACCESS, AccessService
from tests.subsystems.access.conftest import CARD, Site, present


async def test_reset_after_hours(site: Site, platform: Platform) -> None:
    svc = platform.capabilities.require(ACCESS)
    assert isinstance(svc, AccessService)
    r = await site.client.patch(
        f"/api/v1/access/doors/{site.ids['gate']}",
        json={"passback_reset_h": 2, "passback_reset_at": "03:00"},
        headers=site.headers,
    )
    assert r.status_code == 200 and r.json()["passback_reset_h"] == 2, r.text
    # Clear of the daily 03:00 reset (site time): from the next 04:00 two hours pass without
    # one (the test failed when it ran between 02:00 and 03:00 Beijing time).
    local = utcnow().astimezone(ZoneInfo(platform.settings.site_timezone))
    start = local.replace(hour=4, minute=0, second=0, microsecond=0)
    now = (start if start > local else start + timedelta(days=1)).astimezone(UTC)
    assert (await svc.present("TERM-GATE", "in", "card", CARD, at=now)).decision.granted
    again = await svc.present("TERM-GATE", "in", "card", CARD, at=now + timedelta(hours=1))
    assert again.decision.reason == "passback"
    later = await svc.present("TERM-GATE", "in", "card", CARD, at=now + timedelta(hours=2))
    assert later.decision.reason == "ok"
    bad = await site.client.patch(
        f"/api/v1/access/doors/{site.ids['gate']}",
        json={"passback_reset_at": "25:00"},
        headers=site.headers,
    )
    assert bad.status_code == 422


async def test_forgive_is_audited(site: Site, platform: Platform) -> None:
    assert (await present(site.client, reader="in", card=CARD))["result"] == "grant"
    assert (await present(site.client, reader="in", card=CARD))["reason"] == "passback"
    url = f"/api/v1/access/holders/{site.ids['holder']}/passback/forgive"
    assert (await site.client.post(url, json={}, headers=site.headers)).status_code == 422
    r = await site.client.post(url, json={"reason": "尾随出门，已核实"}, headers=site.headers)
    assert r.status_code == 200 and r.json()["cleared"] == 1, r.text
    assert (await present(site.client, reader="in", card=CARD))["result"] == "grant"
    with platform.read_session() as s:
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "access.passback.forgive")
        ).one()
    assert entry.target == f"access_holder:{site.ids['holder']}"
    assert entry.detail["reason"] == "尾随出门，已核实" and entry.detail["cleared"] == ["GATE-S"]
    missing = await site.client.post(
        "/api/v1/access/holders/99999/passback/forgive", json={"reason": "xx"},
        headers=site.headers,
    )  # fmt: skip
    assert missing.status_code == 404
