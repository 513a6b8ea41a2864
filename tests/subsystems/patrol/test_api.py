"""The guard tour's configuration API: bad input refused with a reason, records in use
protected, every edit audited, operators read but do not configure."""

from __future__ import annotations

from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.store.models import AuditEntry
from tests.conftest import auth, first_login
from tests.subsystems.patrol.conftest import Tour


async def test_bad_input_is_refused_with_a_reason(tour: Tour) -> None:
    c, h = tour.client, tour.headers
    bad_tag = {"code": "CP-9", "name": "x", "tag": "not-hex"}
    r = await c.post("/api/v1/patrol/checkpoints", json=bad_tag, headers=h)
    assert r.status_code == 422 and "hex digits" in r.text
    taken = {"code": "CP-9", "name": "x", "tag": "04:a2:00:00:01"}  # CP-1's tag, spelt apart
    r = await c.post("/api/v1/patrol/checkpoints", json=taken, headers=h)
    assert r.status_code == 409, r.text
    route = {"code": "R9", "name": "x", "points": [{"checkpoint_id": 999}]}
    r = await c.post("/api/v1/patrol/routes", json=route, headers=h)
    assert r.status_code == 422 and "no checkpoint 999" in r.text
    r = await c.post("/api/v1/patrol/routes", json={**route, "points": []}, headers=h)
    assert r.status_code == 422
    sched = {"route_id": tour.route_id, "name": "x"}
    r = await c.post("/api/v1/patrol/schedules", json=sched, headers=h)
    assert r.status_code == 422 and "start times" in r.text
    r = await c.post("/api/v1/patrol/schedules", json={**sched, "times": ["25:00"]}, headers=h)
    assert r.status_code == 422
    r = await c.post("/api/v1/patrol/schedules", json={**sched, "every_min": 5}, headers=h)
    assert r.status_code == 422
    r = await c.get("/api/v1/patrol/checkins", params={"since": "2026-01-01T00:00"}, headers=h)
    assert r.status_code == 422  # a time without its offset
    r = await c.get("/api/v1/patrol/rounds", params={"day": "2026-13-01"}, headers=h)
    assert r.status_code == 422


async def test_records_in_use_are_protected(tour: Tour) -> None:
    c, h = tour.client, tour.headers
    await tour.patrol.tick()  # the round of 30 minutes ago is on record
    r = await c.delete(f"/api/v1/patrol/checkpoints/{tour.checkpoints[0]}", headers=h)
    assert r.status_code == 409 and "R1" in r.text
    r = await c.delete(f"/api/v1/patrol/routes/{tour.route_id}", headers=h)
    assert r.status_code == 409 and "disable it instead" in r.text
    r = await c.delete(f"/api/v1/patrol/schedules/{tour.schedule_id}", headers=h)
    assert r.status_code == 409
    assert (await c.delete("/api/v1/patrol/guards/999", headers=h)).status_code == 404
    assert (await c.delete(f"/api/v1/patrol/guards/{tour.guard_id}", headers=h)).status_code == 204


async def test_holidays_skip_schedules_that_say_so(tour: Tour) -> None:
    c, h = tour.client, tour.headers
    day = tour.start.date().isoformat()
    r = await c.put("/api/v1/patrol/holidays", json={"day": day, "name": "元旦"}, headers=h)
    assert r.status_code == 200
    assert (await c.get("/api/v1/patrol/holidays", headers=h)).json()[0]["name"] == "元旦"
    assert (await c.delete(f"/api/v1/patrol/holidays/{day}", headers=h)).status_code == 204
    assert (await c.delete(f"/api/v1/patrol/holidays/{day}", headers=h)).status_code == 404


async def test_edits_are_audited_and_operators_only_read(platform: Platform, tour: Tour) -> None:
    c, h = tour.client, tour.headers
    r = await c.post(
        "/api/v1/users",
        json={"username": "op1", "password": "Temp-pass-2026!x", "role": "operator"},
        headers=h,
    )
    assert r.status_code == 201, r.text
    op = auth(await first_login(c, "op1", "Temp-pass-2026!x"))
    assert (await c.get("/api/v1/patrol/routes", headers=op)).status_code == 200
    cp = {"code": "CP-9", "name": "x", "tag": "ABCD1234"}
    assert (await c.post("/api/v1/patrol/checkpoints", json=cp, headers=op)).status_code == 403
    with platform.read_session() as s:
        actions = [a.action for a in s.scalars(select(AuditEntry)) if a.action.startswith("patrol")]
    assert actions == [
        *["patrol.checkpoint_create"] * 4, "patrol.guard_create", "patrol.route_create",
        "patrol.schedule_create",
    ]  # fmt: skip
