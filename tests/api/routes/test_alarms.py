"""Alarm routes end to end: an event raises an alarm, which is handled step by step, and two
operators on one alarm get a clear conflict."""

from __future__ import annotations

import httpx

from tests.conftest import auth, first_login


async def _raise(client: httpx.AsyncClient, h: dict[str, str], source: str) -> str:
    r = await client.post(
        "/api/v1/events", headers=h, json={"kind": "perimeter.intrusion", "source": source}
    )
    assert r.status_code == 201, r.text
    r = await client.get("/api/v1/alarms/open", headers=h)
    assert r.status_code == 200
    return str(next(a["id"] for a in r.json() if a["source"] == source))


async def test_event_raises_alarm_and_workflow(
    app_client: httpx.AsyncClient, admin_token: str
) -> None:
    h = auth(admin_token)
    alarm_id = await _raise(app_client, h, "PZ-01")
    r = await app_client.get("/api/v1/alarms", params={"state": "open"}, headers=h)
    items = r.json()["items"]
    assert len(items) == 1 and items[0]["state"] == "new" and items[0]["priority"] == 1
    r = await app_client.post(f"/api/v1/alarms/{alarm_id}/resolve", headers=h, json={})
    assert r.status_code == 422  # a note is required to close
    r = await app_client.post(
        f"/api/v1/alarms/{alarm_id}/dispatch", headers=h, json={"note": "go", "to": "保安 张伟"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "dispatched" and r.json()["dispatched_to"] == "保安 张伟"
    r = await app_client.post(
        f"/api/v1/alarms/{alarm_id}/notes", headers=h, json={"note": "guard on site"}
    )
    assert r.status_code == 200 and r.json()["state"] == "dispatched"
    r = await app_client.post(
        f"/api/v1/alarms/{alarm_id}/resolve",
        headers=h,
        json={"note": "guard checked", "outcome": "false_alarm", "cause": "lightning"},
    )
    assert r.status_code == 409 and r.json()["code"] == "bad_cause"
    r = await app_client.post(
        f"/api/v1/alarms/{alarm_id}/resolve",
        headers=h,
        json={"note": "guard checked, cat", "outcome": "false_alarm", "cause": "animal"},
    )
    assert r.status_code == 200 and r.json()["state"] == "false_alarm"
    assert r.json()["cause"] == "animal" and r.json()["disposition"] == "false"
    r = await app_client.get(f"/api/v1/alarms/{alarm_id}", headers=h)
    steps = [(t["code"], t["to_state"]) for t in r.json()["transitions"]]
    assert steps == [
        ("raised", "new"),
        ("implied_ack", "acknowledged"),
        ("dispatch", "dispatched"),
        ("note", "dispatched"),
        ("false_alarm", "false_alarm"),
    ]
    r = await app_client.get("/api/v1/alarm-causes", headers=h)
    assert {d["code"] for d in r.json()["dispositions"]} == {"real", "false", "test", "maintenance"}


async def test_two_operators_on_one_alarm_get_a_clear_conflict(
    app_client: httpx.AsyncClient, admin_token: str
) -> None:
    h = auth(admin_token)
    r = await app_client.post(
        "/api/v1/users",
        headers=h,
        json={"username": "op1", "password": "long-enough-pw", "role": "operator"},
    )
    assert r.status_code == 201, r.text
    op = auth(await first_login(app_client, "op1", "long-enough-pw"))
    alarm_id = await _raise(app_client, h, "PZ-02")
    r = await app_client.post(f"/api/v1/alarms/{alarm_id}/claim", headers=op, json={})
    assert r.status_code == 200 and r.json()["assignee"] == "user:op1"
    r = await app_client.post(f"/api/v1/alarms/{alarm_id}/acknowledge", headers=h, json={})
    assert r.status_code == 409
    assert r.json()["code"] == "alarm_held" and r.json()["params"] == {"by": "user:op1"}
    r = await app_client.post(f"/api/v1/alarms/{alarm_id}/acknowledge", headers=op, json={})
    assert r.status_code == 200
    r = await app_client.post(f"/api/v1/alarms/{alarm_id}/acknowledge", headers=op, json={})
    assert r.status_code == 409 and r.json()["code"] == "alarm_state"
    r = await app_client.post(f"/api/v1/alarms/{alarm_id}/assign", headers=h, json={"to": "nobody"})
    assert r.status_code == 409 and r.json()["code"] == "no_such_user"
    r = await app_client.post(
        f"/api/v1/alarms/{alarm_id}/claim", headers=h, json={"take_over": True}
    )
    assert r.status_code == 200 and r.json()["assignee"] == "user:admin"
    r = await app_client.post(f"/api/v1/alarms/{alarm_id}/assign", headers=h, json={"to": "op1"})
    assert r.status_code == 200 and r.json()["assignee"] == "user:op1"
    r = await app_client.get(f"/api/v1/alarms/{alarm_id}", headers=h)
    last = r.json()["transitions"][-1]
    assert last["code"] == "assign" and last["data"] == {"to": "user:op1"}
