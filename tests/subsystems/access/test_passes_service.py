"""The visitor-pass service end to end: issue (through the API), check online, revoke,
residents, counters and concurrent gates."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select

from anfang.api.deps import Principal
from anfang.app.platform import Platform
from anfang.core.events import new_id
from anfang.core.writer import WriteContext
from anfang.store.base import utcnow
from anfang.store.models import AuditEntry, Building, Device, Household, Site, Unit
from anfang.subsystems.access import pass_signer, passes, passes_service
from anfang.subsystems.access.models import AccessDoor
from anfang.subsystems.access.models_passes import PassCreate, VisitorPass
from tests.conftest import auth, first_login, make_settings


async def seed(platform: Platform) -> tuple[int, int]:
    """A site with one unit, two households and two doors; returns the household ids."""

    def job(ctx: WriteContext) -> tuple[int, int]:
        s = ctx.session
        site = Site(code="S1", name="锦绣花园")
        s.add(site)
        s.flush()
        b = Building(site_id=site.id, code="B01", name="1号楼")
        s.add(b)
        s.flush()
        u = Unit(building_id=b.id, code="1", name="1单元")
        s.add(u)
        s.flush()
        h1, h2 = (
            Household(unit_id=u.id, floor=3, room="301"),
            Household(unit_id=u.id, floor=4, room="401"),
        )
        s.add_all([h1, h2])
        b2 = Building(site_id=site.id, code="B02", name="2号楼")
        s.add(b2)
        s.flush()
        u2 = Unit(building_id=b2.id, code="1", name="1单元")
        s.add(u2)
        s.flush()
        for code in ("GATE-S-P1", "DR-B01-1", "CAM-9"):
            s.add(
                Device(site_id=site.id, code=code, name=code, type="turnstile", subsystem="access")
            )
        # The access doors: the community gate, each building's unit door, an office door.
        for code, kind, unit in (
            ("GATE-S-P1", "turnstile", None),
            ("DR-B01-1", "door", u.id),
            ("DR-B02-1", "door", u2.id),
            ("OFFICE", "door", None),
        ):
            s.add(AccessDoor(code=code, name=code, kind=kind, site_id=site.id, unit_id=unit))
        s.flush()
        return h1.id, h2.id

    return await platform.writer.run(job)


def body(household: int | None, **over: object) -> dict[str, object]:
    now = utcnow()
    data: dict[str, object] = {
        "household_id": household,
        "visitor_name": "李 四",
        "visitor_phone": "13800138000",
        "doors": ["GATE-S-P1", "DR-B01-1"],
        "valid_from": (now - timedelta(minutes=1)).isoformat(),
        "valid_until": (now + timedelta(hours=2)).isoformat(),
        "uses": 2,
    }
    data.update(over)
    return data


async def test_issue_verify_offline_check_online_and_revoke(
    platform: Platform, app_client: httpx.AsyncClient, admin_token: str
) -> None:
    h1, _ = await seed(platform)
    r = await app_client.post("/api/v1/visitor-passes", json=body(h1), headers=auth(admin_token))
    assert r.status_code == 201, r.text
    issued = r.json()
    text, pid = issued["qr_text"], issued["id"]
    assert issued["status"] == "active" and issued["visitor_phone"] == "13800138000"

    # A gate that only has the published key checks the pass offline.
    k = (
        await app_client.get("/api/v1/visitor-passes/verification-key", headers=auth(admin_token))
    ).json()
    raw = base64.urlsafe_b64decode(k["public_key"] + "=")
    got = passes.verify(
        text, Ed25519PublicKey.from_public_bytes(raw), datetime.now(UTC), "DR-B01-1"
    )
    assert got.pass_id == pid and got.uses == 2 and k["key_id"] == got.key_id.hex()

    # The phone is sealed at rest.
    with platform.read_session() as s:
        row = s.get(VisitorPass, pid)
        assert row is not None and row.phone_sealed and b"13800138000" not in row.phone_sealed

    assert await passes_service.check_pass(platform, text, "CAM-9") == passes_service.PassDecision(
        False, "wrong_door", pid, "李 四"
    )
    first = await passes_service.check_pass(platform, text, "GATE-S-P1")
    assert first.granted and first.reason == "granted" and first.holder == "李 四"
    assert (await passes_service.check_pass(platform, text, "DR-B01-1")).granted
    again = await passes_service.check_pass(platform, text, "DR-B01-1")
    assert not again.granted and again.reason == "replayed"
    forged = text[:-6] + ("AAAAAA" if not text.endswith("AAAAAA") else "BBBBBB")
    assert (await passes_service.check_pass(platform, forged, "DR-B01-1")).reason in {
        "forged",
        "malformed",
    }
    assert (await passes_service.check_pass(platform, "hello", "DR-B01-1")).reason == "malformed"

    uses = (
        await app_client.get(f"/api/v1/visitor-passes/{pid}/uses", headers=auth(admin_token))
    ).json()
    assert [u["reason"] for u in uses] == ["wrong_door", "granted", "granted", "replayed"]
    one = (await app_client.get(f"/api/v1/visitor-passes/{pid}", headers=auth(admin_token))).json()
    assert one["uses_used"] == 2 and one["status"] == "used_up"

    png = await app_client.get(f"/api/v1/visitor-passes/{pid}/qr.png", headers=auth(admin_token))
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    svg = await app_client.get(f"/api/v1/visitor-passes/{pid}/qr.svg", headers=auth(admin_token))
    assert svg.headers["content-type"] == "image/svg+xml" and b"<svg" in svg.content

    r = await app_client.post(
        "/api/v1/visitor-passes", json=body(h1, uses=5), headers=auth(admin_token)
    )
    second = r.json()
    r = await app_client.post(
        f"/api/v1/visitor-passes/{second['id']}/revoke", headers=auth(admin_token)
    )
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    assert (
        await passes_service.check_pass(platform, second["qr_text"], "GATE-S-P1")
    ).reason == "revoked"

    with platform.read_session() as s:
        actions = set(s.scalars(select(AuditEntry.action)))
    assert {"visitor_pass.issue", "visitor_pass.revoke", "visitor_pass.view"} <= actions


async def test_two_gates_at_once_cannot_overspend(
    platform: Platform, app_client: httpx.AsyncClient, admin_token: str
) -> None:
    h1, _ = await seed(platform)
    r = await app_client.post(
        "/api/v1/visitor-passes", json=body(h1, uses=3), headers=auth(admin_token)
    )
    text = r.json()["qr_text"]
    results = await asyncio.gather(
        *(
            passes_service.check_pass(platform, text, "GATE-S-P1" if i % 2 else "DR-B01-1")
            for i in range(12)
        )
    )
    assert sum(d.granted for d in results) == 3
    assert {d.reason for d in results if not d.granted} == {"replayed"}


async def test_expired_and_not_yet_valid(
    platform: Platform, app_client: httpx.AsyncClient, admin_token: str
) -> None:
    h1, _ = await seed(platform)
    later = utcnow() + timedelta(hours=3)
    r = await app_client.post(
        "/api/v1/visitor-passes",
        json=body(
            h1, valid_from=later.isoformat(), valid_until=(later + timedelta(hours=1)).isoformat()
        ),
        headers=auth(admin_token),
    )
    assert r.json()["status"] == "pending"
    assert (
        await passes_service.check_pass(platform, r.json()["qr_text"], "GATE-S-P1")
    ).reason == "not_yet_valid"


async def test_bad_requests_are_refused_with_reasons(
    platform: Platform, app_client: httpx.AsyncClient, admin_token: str
) -> None:
    h1, _ = await seed(platform)
    h = auth(admin_token)
    now = utcnow()
    cases = [
        (body(h1, valid_until="2026-01-01T10:00:00"), "timezone"),
        (body(h1, valid_until=(now - timedelta(hours=5)).isoformat()), "after valid_from"),
        (body(h1, valid_until=(now + timedelta(days=40)).isoformat()), "at most 31 days"),
        (body(h1, doors=["NOPE"]), "unknown door"),
        (body(h1, uses=0), "uses"),
        (body(None), "household_id is required"),
        (body(99999), "household 99999 does not exist"),
        (body(h1, visitor_phone="call me"), "visitor_phone"),
    ]
    for data, message in cases:
        r = await app_client.post("/api/v1/visitor-passes", json=data, headers=h)
        assert r.status_code == 422, (data, r.text)
        assert message in r.text, (message, r.text)
    assert (
        await app_client.get("/api/v1/visitor-passes/0123456789ABCDEFGHJKMNPQRS", headers=h)
    ).status_code == 404


async def test_residents_issue_for_their_own_household_only(
    platform: Platform, app_client: httpx.AsyncClient, admin_token: str
) -> None:
    h1, h2 = await seed(platform)
    adm = auth(admin_token)
    r = await app_client.post(
        "/api/v1/users",
        json={"username": "zhang301", "password": "resident-pass-1", "role": "resident"},
        headers=adm,
    )
    assert r.status_code == 201, r.text
    tok = auth(await first_login(app_client, "zhang301", "resident-pass-1"))
    r = await app_client.post("/api/v1/visitor-passes", json=body(None), headers=tok)
    assert r.status_code == 403 and "not bound" in r.text

    r = await app_client.put(
        "/api/v1/resident-users/zhang301", json={"household_id": h1}, headers=adm
    )
    assert r.status_code == 204, r.text
    r = await app_client.put("/api/v1/resident-users/admin", json={"household_id": h1}, headers=adm)
    assert r.status_code == 422

    # Issue 14 item 3: only the doors on the way home, within the property's limits.
    for doors, message in (
        (["GATE-S-P1", "DR-B02-1"], "not on the way to your home"),
        (["OFFICE"], "not a community gate"),
        (["CAM-9"], "not an access door"),
    ):
        r = await app_client.post(
            "/api/v1/visitor-passes", json=body(None, doors=doors), headers=tok
        )
        assert r.status_code == 403 and message in r.json()["detail"], r.text
    for over, message in (
        ({"uses": 100}, "at most 10 uses"),
        ({"valid_until": (utcnow() + timedelta(days=20)).isoformat()}, "at most 7 days"),
    ):
        r = await app_client.post("/api/v1/visitor-passes", json=body(None, **over), headers=tok)
        assert r.status_code == 422 and message in r.json()["detail"], r.text
    staff = body(h2, doors=["DR-B02-1", "OFFICE"], uses=50)
    assert (await app_client.post("/api/v1/visitor-passes", json=staff, headers=adm)).is_success

    mine = await app_client.post("/api/v1/visitor-passes", json=body(None), headers=tok)
    assert mine.status_code == 201 and mine.json()["household_id"] == h1
    assert mine.json()["visitor_phone"] is None or mine.json()["visitor_phone"] == "13800138000"
    r = await app_client.post("/api/v1/visitor-passes", json=body(h2), headers=tok)
    assert r.status_code == 403
    other = await app_client.post("/api/v1/visitor-passes", json=body(h2), headers=adm)

    listed = (await app_client.get("/api/v1/visitor-passes", headers=tok)).json()
    assert [p["id"] for p in listed] == [mine.json()["id"]]
    assert (
        await app_client.get(f"/api/v1/visitor-passes/{other.json()['id']}", headers=tok)
    ).status_code == 404
    r = await app_client.post(f"/api/v1/visitor-passes/{other.json()['id']}/revoke", headers=tok)
    assert r.status_code == 404
    r = await app_client.post(f"/api/v1/visitor-passes/{mine.json()['id']}/revoke", headers=tok)
    assert r.status_code == 200
    png = await app_client.get(f"/api/v1/visitor-passes/{mine.json()['id']}/qr.png", headers=tok)
    assert png.status_code == 200
    # Residents see nothing else of the centre.
    assert (await app_client.get("/api/v1/events", headers=tok)).status_code == 403
    assert (
        await app_client.get("/api/v1/visitor-passes/verification-key", headers=tok)
    ).status_code == 403


async def test_online_check_endpoint(
    platform: Platform, app_client: httpx.AsyncClient, admin_token: str
) -> None:
    h1, _ = await seed(platform)
    text = (
        await app_client.post("/api/v1/visitor-passes", json=body(h1), headers=auth(admin_token))
    ).json()["qr_text"]
    r = await app_client.post(
        "/api/v1/visitor-passes/check",
        json={"qr_text": text, "door": "GATE-S-P1"},
        headers=auth(admin_token),
    )
    assert r.status_code == 200 and r.json()["granted"] is True
    r = await app_client.post(
        "/api/v1/visitor-passes/check",
        json={"qr_text": "x" * 5000, "door": "GATE-S-P1"},
        headers=auth(admin_token),
    )
    assert r.status_code == 422


def _count(reason: str) -> float:
    return sum(
        s.value
        for m in passes_service.CHECKS.collect()
        for s in m.samples
        if s.name.endswith("_total") and s.labels.get("result") == reason
    )


async def test_exhausted_unknown_and_counted(
    platform: Platform,
    app_client: httpx.AsyncClient,
    admin_token: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    h1, _ = await seed(platform)
    r = await app_client.post(
        "/api/v1/visitor-passes", json=body(h1, uses=1), headers=auth(admin_token)
    )
    text = r.json()["qr_text"]
    assert (await passes_service.check_pass(platform, text, "GATE-S-P1")).granted
    monkeypatch.setattr(passes_service, "REPLAY_WINDOW", timedelta(0))  # as if a day went by
    before = _count("exhausted")
    assert (await passes_service.check_pass(platform, text, "GATE-S-P1")).reason == "exhausted"
    assert _count("exhausted") == before + 1

    # Signed with anfang's key but never stored (e.g. the database was restored).
    sign = await pass_signer.signer(platform)
    ghost = passes.PassPayload(
        sign.kid,
        new_id(),
        1,
        utcnow() - timedelta(minutes=1),
        utcnow() + timedelta(hours=1),
        1,
        b"\0" * 8,
        ("GATE-S-P1",),
    )
    before = _count("unknown_pass")
    got = await passes_service.check_pass(platform, passes.encode(ghost, sign.key), "GATE-S-P1")
    assert got == passes_service.PassDecision(False, "unknown_pass", ghost.pass_id, None)
    assert _count("unknown_pass") == before + 1


@pytest.mark.postgres
async def test_uses_are_not_overspent_on_postgresql(pg_db_url: str, tmp_path: Path) -> None:
    plat = Platform(make_settings(tmp_path, database_url=pg_db_url))
    await plat.start()
    try:
        h1, _ = await seed(plat)
        issued = await passes_service.issue(
            plat, Principal(1, "admin", "admin"), PassCreate.model_validate(body(h1, uses=3))
        )
        results = await asyncio.gather(
            *(passes_service.check_pass(plat, issued.qr_text, "GATE-S-P1") for _ in range(8))
        )
        assert sum(d.granted for d in results) == 3
        with plat.read_session() as s:
            row = s.get(VisitorPass, issued.id)
            assert row is not None and row.uses_used == 3
            assert row.valid_until.tzinfo is not None
    finally:
        await plat.stop()


async def test_revoke_reason_is_audited_and_checked(
    platform: Platform, app_client: httpx.AsyncClient, admin_token: str
) -> None:
    h1, _ = await seed(platform)
    h = auth(admin_token)
    pid = (await app_client.post("/api/v1/visitor-passes", json=body(h1), headers=h)).json()["id"]
    url = f"/api/v1/visitor-passes/{pid}/revoke"
    r = await app_client.post(url, json={"reason": "x"}, headers=h)
    assert r.status_code == 422 and "reason" in r.text
    r = await app_client.post(url, json={"reason": "访客取消来访"}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    assert (await app_client.post(url, json={"reason": "again"}, headers=h)).status_code == 200
    with platform.read_session() as s:
        rows = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "visitor_pass.revoke")))
    assert [(a.target, a.detail) for a in rows] == [
        (f"visitor_pass:{pid}", {"reason": "访客取消来访"})
    ]
