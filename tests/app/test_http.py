"""Bad input gets clear answers: 422 naming the field, 413, unknown kinds; health, docs."""

from __future__ import annotations

import httpx

from tests.conftest import auth


async def test_validation_names_the_field(app_client: httpx.AsyncClient, admin_token: str) -> None:
    r = await app_client.post(
        "/api/v1/events", headers=auth(admin_token), json={"kind": "access.granted"}
    )
    assert r.status_code == 422
    assert r.json()["detail"].startswith("body.source")
    r = await app_client.get("/api/v1/events", headers=auth(admin_token), params={"limit": 10_000})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "query.limit"
    r = await app_client.post(
        "/api/v1/events",
        headers=auth(admin_token),
        json={"kind": "access.granted", "source": "G", "occurred_at": "2026-01-01T00:00:00"},
    )
    assert r.status_code == 422 and "occurred_at" in r.json()["detail"]


async def test_unknown_kind_is_refused(app_client: httpx.AsyncClient, admin_token: str) -> None:
    r = await app_client.post(
        "/api/v1/events", headers=auth(admin_token), json={"kind": "martian.landing", "source": "G"}
    )
    assert r.status_code == 422
    assert "unknown event kind 'martian.landing'" in r.json()["detail"]


async def test_oversized_body_413(app_client: httpx.AsyncClient, admin_token: str) -> None:
    big = {"kind": "access.granted", "source": "G", "payload": {"x": "a" * 2_000_000}}
    r = await app_client.post("/api/v1/events", headers=auth(admin_token), json=big)
    assert r.status_code == 413


async def test_events_paging_newest_first(app_client: httpx.AsyncClient, admin_token: str) -> None:
    h = auth(admin_token)
    for i in range(5):
        await app_client.post(
            "/api/v1/events",
            headers=h,
            json={"kind": "access.granted", "source": "G", "payload": {"i": i}},
        )
    r = await app_client.get("/api/v1/events", headers=h, params={"limit": 3})
    page = r.json()
    assert [e["payload"]["i"] for e in page["items"]] == [4, 3, 2]
    r = await app_client.get(
        "/api/v1/events", headers=h, params={"limit": 3, "before": page["next_before"]}
    )
    assert [e["payload"]["i"] for e in r.json()["items"]] == [1, 0]
    assert r.json()["next_before"] is None
    r = await app_client.get("/api/v1/events", headers=h, params={"kind": "access.*"})
    assert len(r.json()["items"]) == 5


async def test_health_metrics_openapi(app_client: httpx.AsyncClient, admin_token: str) -> None:
    assert (await app_client.get("/healthz")).json()["status"] == "ok"
    assert (await app_client.get("/metrics")).status_code == 401
    metrics = (await app_client.get("/metrics", headers=auth(admin_token))).text
    assert "anfang_events_stored_total" in metrics
    spec = (await app_client.get("/openapi.json")).json()
    assert "/api/v1/alarms/{alarm_id}/acknowledge" in spec["paths"]
    assert (await app_client.get("/docs")).status_code == 200


async def test_an_unknown_address_is_a_page_for_people_and_json_for_programs(
    app_client: httpx.AsyncClient,
) -> None:
    page = await app_client.get("/no/such/page", headers={"Accept": "text/html,*/*"})
    assert page.status_code == 404 and "页面不存在" in page.text
    assert page.headers["content-type"].startswith("text/html")
    api = await app_client.get("/api/v1/nothing-here", headers={"Accept": "text/html"})
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}
    plain = await app_client.get("/no/such/page")
    assert plain.status_code == 404 and plain.json() == {"detail": "Not Found"}
