"""Event routes: filters, one event, duplicates through idempotency keys, kinds."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import auth


async def test_filters_and_single_event(app_client: httpx.AsyncClient, admin_token: str) -> None:
    h = auth(admin_token)
    for kind, source in [
        ("access.granted", "G1"),
        ("access.denied", "G2"),
        ("perimeter.intrusion", "PZ-1"),
    ]:
        r = await app_client.post(
            "/api/v1/events", headers=h, json={"kind": kind, "source": source}
        )
        assert r.status_code == 201
    r = await app_client.get("/api/v1/events", headers=h, params={"source": "G2"})
    items = r.json()["items"]
    assert [e["kind"] for e in items] == ["access.denied"]
    r = await app_client.get("/api/v1/events", headers=h, params={"severity_min": 4})
    assert [e["kind"] for e in r.json()["items"]] == ["perimeter.intrusion"]
    one = await app_client.get(f"/api/v1/events/{items[0]['id']}", headers=h)
    assert one.json()["source"] == "G2"
    missing = await app_client.get("/api/v1/events/" + "0" * 26, headers=h)
    assert missing.status_code == 404


async def test_idempotency_key(app_client: httpx.AsyncClient, admin_token: str) -> None:
    body = {"kind": "access.granted", "source": "G", "idempotency_key": "G:1"}
    a = (await app_client.post("/api/v1/events", headers=auth(admin_token), json=body)).json()
    b = (await app_client.post("/api/v1/events", headers=auth(admin_token), json=body)).json()
    assert not a["duplicate"] and b["duplicate"] and a["event"]["id"] == b["event"]["id"]


async def test_kinds_have_both_languages(app_client: httpx.AsyncClient, admin_token: str) -> None:
    kinds = (await app_client.get("/api/v1/kinds", headers=auth(admin_token))).json()
    by = {k["kind"]: k for k in kinds}
    assert by["perimeter.intrusion"]["zh"] == "周界入侵"
    assert by["device.offline"]["en"] == "Device offline"
    assert all(k["zh"] and k["en"] for k in kinds)


@pytest.mark.parametrize(
    "kind", ["device.offline", "alarm.escalated", "video.loss", "face.stranger"]
)
async def test_kinds_the_platform_makes_cannot_be_submitted(
    app_client: httpx.AsyncClient, admin_token: str, kind: str
) -> None:
    r = await app_client.post(
        "/api/v1/events", headers=auth(admin_token), json={"kind": kind, "source": "X-1"}
    )
    assert r.status_code == 403 and "platform itself" in r.json()["detail"]
