"""GA/T 1400 subscription mode: the view library subscribes at ``/VIID/Subscribes`` (digest
as the configured upper), anfang notifies its ``ReceiveAddr`` instead of pushing, and a
cancelled subscription returns it to pushing."""

from __future__ import annotations

from typing import Any

import httpx

from anfang.app.platform import Platform
from anfang.uplink.sim_viid import SimViid
from tests.uplink.conftest import PASSWORD, VIID_ID, add_devices, configure, until, uplink
from tests.uplink.test_ga1400_link import _face

HEADERS = {"User-Identify": VIID_ID, "Content-Type": "application/VIID+JSON"}


def _subscription(viid: SimViid, sid: str, detail: str = "12,13", op: int = 0) -> dict[str, Any]:
    return {
        "SubscribeID": sid,
        "Title": "人脸",
        "SubscribeDetail": detail,
        "OperateType": op,
        "ReceiveAddr": f"http://127.0.0.1:{viid.port}/VIID/SubscribeNotifications",
        "BeginTime": "20260101000000",
        "EndTime": "20991231000000",
    }


async def _post(
    client: httpx.AsyncClient, objects: list[dict[str, Any]], pw: str = PASSWORD
) -> httpx.Response:
    body = {"SubscribeListObject": {"SubscribeObject": objects}}
    auth = httpx.DigestAuth(VIID_ID, pw)
    return await client.post("/VIID/Subscribes", json=body, headers=HEADERS, auth=auth)


async def test_subscribed_faces_are_notified_then_pushed_again(
    platform: Platform, app_client: httpx.AsyncClient, viid: SimViid
) -> None:
    await add_devices(platform, [("FT-1", "face_terminal")])
    pid = await configure(
        platform,
        name="视图库",
        protocol="ga1400",
        server_id=VIID_ID,
        port=viid.port,
        transport="http",
    )
    await until(lambda: uplink(platform).links[pid].status.state == "registered")
    r = await app_client.post("/VIID/Subscribes", json={}, headers=HEADERS)
    assert r.status_code == 401 and "Digest" in r.headers["www-authenticate"]
    assert (await _post(app_client, [_subscription(viid, "S1")], "wrong")).status_code == 401
    r = await _post(app_client, [_subscription(viid, "S1"), _subscription(viid, "S2", "7")])
    assert r.status_code == 200, r.text
    codes = [o["StatusCode"] for o in r.json()["ResponseStatusListObject"]["ResponseStatusObject"]]
    assert codes == ["0", "4"]
    await _face(platform, "FT-1")
    await until(lambda: len(viid.seen.notified) == 1)
    assert viid.seen.faces == [] and viid.seen.notified[0]["SubscribeID"] == "S1"
    r = await _post(app_client, [_subscription(viid, "S1", op=1)])  # cancel
    assert r.status_code == 200
    await _face(platform, "FT-1")
    await until(lambda: len(viid.seen.faces) == 1)
    assert len(viid.seen.notified) == 1 and viid.seen.refusals == []


async def test_a_malformed_subscription_request_is_refused(
    platform: Platform, app_client: httpx.AsyncClient, viid: SimViid
) -> None:
    await configure(
        platform,
        name="视图库",
        protocol="ga1400",
        server_id=VIID_ID,
        port=viid.port,
        transport="http",
    )
    auth = httpx.DigestAuth(VIID_ID, PASSWORD)
    r = await app_client.post("/VIID/Subscribes", content=b"{not json", headers=HEADERS, auth=auth)
    assert r.status_code == 400
    r = await app_client.post(
        "/VIID/Subscribes", json={}, headers={**HEADERS, "User-Identify": "1" * 20}, auth=auth
    )
    assert r.status_code == 401
