"""Alarm routes end to end: an event raises an alarm, which is handled step by step."""

from __future__ import annotations

import httpx

from tests.conftest import auth


async def test_event_raises_alarm_and_workflow(
    app_client: httpx.AsyncClient, admin_token: str
) -> None:
    h = auth(admin_token)
    r = await app_client.post(
        "/api/v1/events", headers=h, json={"kind": "perimeter.intrusion", "source": "PZ-01"}
    )
    assert r.status_code == 201, r.text
    r = await app_client.get("/api/v1/alarms", params={"state": "open"}, headers=h)
    assert r.status_code == 200
    items = r.json()["items"]
    assert len(items) == 1 and items[0]["state"] == "new" and items[0]["priority"] == 1
    alarm_id = items[0]["id"]
    r = await app_client.post(f"/api/v1/alarms/{alarm_id}/resolve", headers=h, json={"note": "x"})
    assert r.status_code == 409
    for step in ("acknowledge", "dispatch"):
        r = await app_client.post(
            f"/api/v1/alarms/{alarm_id}/{step}", headers=h, json={"note": step}
        )
        assert r.status_code == 200, r.text
    r = await app_client.post(
        f"/api/v1/alarms/{alarm_id}/resolve",
        headers=h,
        json={"note": "guard checked, cat", "outcome": "false_alarm"},
    )
    assert r.status_code == 200 and r.json()["state"] == "false_alarm"
    r = await app_client.get(f"/api/v1/alarms/{alarm_id}", headers=h)
    steps = [t["to_state"] for t in r.json()["transitions"]]
    assert steps == ["new", "acknowledged", "dispatched", "false_alarm"]
