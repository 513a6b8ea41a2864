"""The access configuration API: permissions, validation, audit, remote open."""

from __future__ import annotations

from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.store.models import AuditEntry, EventRow
from tests.conftest import auth, login
from tests.subsystems.access.conftest import CARD, Site, present, signed


async def _user(site: Site, platform: Platform, name: str, role: str) -> dict[str, str]:
    await platform.users.create(name, "pw-" + name + "-123456", role, "test")
    return auth(await login(site.client, name, "pw-" + name + "-123456"))


async def test_roles(site: Site, platform: Platform) -> None:
    operator = await _user(site, platform, "op", "operator")
    installer = await _user(site, platform, "inst", "installer")
    door = {"code": "X1", "name": "x"}
    r = await site.client.post("/api/v1/access/doors", json=door, headers=operator)
    assert r.status_code == 403
    r = await site.client.post("/api/v1/access/doors", json=door, headers=installer)
    assert r.status_code == 201
    gate = site.ids["gate"]
    r = await site.client.post(
        f"/api/v1/access/doors/{gate}/open", json={"reason": "快递"}, headers=installer
    )
    assert r.status_code == 403
    assert (await site.client.get("/api/v1/access/doors", headers=operator)).status_code == 200
    assert (await site.client.get("/api/v1/access/log", headers=operator)).status_code == 200


async def test_validation(site: Site) -> None:
    h = site.headers
    bad = [
        ("/access/doors", {"code": "GATE-S", "name": "dup"}, 409),
        ("/access/doors", {"code": "Y", "name": "y", "kind": "window"}, 422),
        ("/access/readers", {"door_id": 999, "device_id": site.ids["TERM-GATE"]}, 404),
        ("/access/credentials", {"holder_id": site.ids["holder"], "kind": "card",
                                 "value": CARD}, 409),
        ("/access/credentials", {"holder_id": site.ids["holder"], "kind": "pin",
                                 "value": "12"}, 422),
        ("/access/schedules", {"code": "s", "name": "s",
                               "windows": [{"days": [0], "start": "18:00", "end": "08:00"}]}, 422),
        ("/access/holders", {"name": "x", "valid_until": "2030-01-01T00:00:00"}, 422),
        ("/access/rules", {"group_id": 999, "door_id": site.ids["gate"]}, 422),
    ]  # fmt: skip
    for path, body, status in bad:
        r = await site.client.post(f"/api/v1{path}", json=body, headers=h)
        assert r.status_code == status, (path, r.text)
    creds = await site.client.get("/api/v1/access/credentials", headers=h)
    assert {c["kind"]: c["value"] for c in creds.json()}["pin"] == "****"


async def test_remote_open_is_audited_and_delivered_once(site: Site, platform: Platform) -> None:
    gate = site.ids["gate"]
    r = await site.client.post(f"/api/v1/access/doors/{gate}/open", json={}, headers=site.headers)
    assert r.status_code == 422  # a reason is required
    r = await site.client.post(
        f"/api/v1/access/doors/{gate}/open", json={"reason": "访客忘带卡"}, headers=site.headers
    )
    assert r.status_code == 202, r.text
    event_id = r.json()["event_id"]
    with platform.read_session() as s:
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "access.remote_open"))
        entry = audit.one()
        ev = s.get(EventRow, event_id)
    assert entry.actor == "user:admin" and entry.detail["reason"] == "访客忘带卡"
    assert ev is not None and ev.kind == "access.remote_open"
    polled = await signed(site.client, "poll", b"")
    assert [c["command"] for c in polled.json()["commands"]] == ["open"]
    assert polled.json()["commands"][0]["reader"] == "in"
    again = await signed(site.client, "poll", b"")
    assert again.json()["commands"] == []


async def test_command_rides_on_the_next_answer(site: Site) -> None:
    gate = site.ids["gate"]
    await site.client.post(
        f"/api/v1/access/doors/{gate}/open", json={"reason": "消防演练"}, headers=site.headers
    )
    out = await present(site.client, reader="out", card="1")
    assert out["commands"] and out["commands"][0]["command"] == "open"


async def test_log_and_import_residents(site: Site) -> None:
    await present(site.client, reader="in", card=CARD)
    await present(site.client, reader="in", card="42")
    log = await site.client.get("/api/v1/access/log?result=denied", headers=site.headers)
    assert [e["payload"]["reason"] for e in log.json()] == ["unknown_credential"]
    by_door = await site.client.get(
        f"/api/v1/access/log?door_id={site.ids['door']}", headers=site.headers
    )
    assert by_door.json() == []
    r = await site.client.post(
        "/api/v1/access/holders/import-residents", json={}, headers=site.headers
    )
    assert r.status_code == 200 and r.json() == {"created": 0}
