"""The platform starts, seeds, generates the first admin password once, and restarts."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import func, select

from anfang.app.platform import Platform
from anfang.store.models import AlarmDefinition, User
from anfang.subsystems.home_alarm.component import MQTT_ADAPTER
from tests.conftest import make_settings


async def test_generated_admin_password_once(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, admin_password=None)
    p = Platform(settings)
    await p.start()
    password = p.generated_admin_password
    assert password and len(password) >= 12
    token, _, user = await p.users.login("admin", password, "test")
    assert user.role == "admin" and token
    with p.read_session() as s:
        definitions = s.scalar(select(func.count()).select_from(AlarmDefinition))
    assert definitions is not None and definitions >= 12  # core defaults + subsystems' own
    await p.stop()
    again = Platform(settings)
    await again.start()
    try:
        assert again.generated_admin_password is None  # never printed twice
        with again.read_session() as s:
            assert s.scalar(select(func.count()).select_from(User)) == 1
            # seeding happens once: a restart adds no definitions
            assert s.scalar(select(func.count()).select_from(AlarmDefinition)) == definitions
    finally:
        await again.stop()


async def test_mqtt_adapter_runs_with_the_platform(tmp_path: Path) -> None:
    import uuid

    import aiomqtt

    from anfang.core.writer import WriteContext
    from anfang.store.models import Device, Site

    base = f"anfang-test-{uuid.uuid4().hex[:8]}"
    p = Platform(
        make_settings(
            tmp_path, mqtt_host="127.0.0.1", mqtt_base_topic=base, mqtt_client_id=f"anfang-{base}"
        )
    )
    await p.start()
    try:

        def add(ctx: WriteContext) -> None:
            site = Site(code="S", name="站点")
            ctx.session.add(site)
            ctx.session.flush()
            ctx.session.add(
                Device(
                    site_id=site.id,
                    code="SMOKE-1",
                    name="烟感",
                    type="smoke",
                    subsystem="home_alarm",
                    protocol="mqtt-z2m",
                    address="kitchen_smoke",
                )
            )
            ctx.mark_changed("devices")

        await p.writer.run(add)
        mqtt = p.capabilities.require(MQTT_ADAPTER)
        await mqtt.stop()  # a restart reads the device list again at once
        await mqtt.start()
        async with asyncio.timeout(10):
            await mqtt.connected.wait()
        sub = await p.bus.subscribe("events.home_alarm.fire")
        async with aiomqtt.Client("127.0.0.1", 1883) as client:
            await client.publish(f"{base}/kitchen_smoke", b'{"smoke": true}', qos=1)
        async with asyncio.timeout(10):
            msg = (await sub.batch(1))[0]
        assert msg.data["source"] == "SMOKE-1"
        await sub.close()
    finally:
        await p.stop()
