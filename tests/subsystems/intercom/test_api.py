"""The intercom's read-only status endpoint: the bound SIP port and who is registered."""

from __future__ import annotations

import httpx

from anfang.app.platform import Platform
from anfang.subsystems.intercom.sim_devices import SimulatedDoorStation
from tests.conftest import auth, login
from tests.subsystems.intercom.conftest import SECRETS, seed_unit


async def test_status_names_the_bound_port_and_counts_registrations(
    platform: Platform, app_client: httpx.AsyncClient, admin_token: str
) -> None:
    unit = await seed_unit(platform)
    h = auth(admin_token)
    st = (await app_client.get("/api/v1/intercom/status", headers=h)).json()
    # ANFANG_INTERCOM_SIP_PORT=0 in tests: the API says which port the OS gave.
    assert st["listening"] is True and st["sip_port"] == unit.server[1] != 0
    assert (st["sip_host"], st["domain"], st["registered"]) == ("127.0.0.1", "anfang", 0)

    door = SimulatedDoorStation(
        "DS-B01-1", (st["sip_host"], st["sip_port"]), secret=SECRETS["DS-B01-1"]
    )
    await door.start()
    try:
        st = (await app_client.get("/api/v1/intercom/status", headers=h)).json()
        assert st["registered"] == 1
    finally:
        await door.stop()

    r = await app_client.post(
        "/api/v1/users",
        json={"username": "res1", "password": "resident-pass-1", "role": "resident"},
        headers=h,
    )
    assert r.status_code == 201, r.text
    tok = auth(await login(app_client, "res1", "resident-pass-1"))
    assert (await app_client.get("/api/v1/intercom/status", headers=tok)).status_code == 403
