"""The demo's police platforms: a simulated GB/T 28181 upper (SIP, :mod:`sim_upper`) and a
GA/T 1400 view library (HTTP, :mod:`sim_viid`) on 127.0.0.1, and the two upper platforms
configured to reach them, so that the console's uplink screen shows live links, alarms
going up and face records uploaded."""

from __future__ import annotations

import logging
import secrets

from pydantic import SecretStr

from anfang.subsystems import SimContext
from anfang.uplink import service
from anfang.uplink.schemas import PlatformIn
from anfang.uplink.sim_upper import SimUpper
from anfang.uplink.sim_viid import SimViid

log = logging.getLogger(__name__)
UPPER_ID = "34020000002000000001"
VIID_ID = "34020000005030000001"
LOCAL_ID = "34020000002000000099"


class DemoPolice:
    """Both simulated police platforms and their configuration in anfang."""

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.password = secrets.token_urlsafe(12)
        self.upper = SimUpper(UPPER_ID, self.password)
        self.viid = SimViid({LOCAL_ID: self.password})

    async def start(self) -> None:
        """Start the simulated platforms; point anfang at them (replacing the demo's own
        earlier settings: their ports change on every start)."""
        host = "127.0.0.1"
        _, sip_port = await self.upper.start(host)
        viid_port = await self.viid.start(host)
        platform = self.ctx.kernel
        with platform.read_session() as s:
            existing = {r.name: r.id for r in service.platforms(s)}
        for name, data in (
            (
                "市公安视频专网（演示）",
                {
                    "protocol": "gb28181",
                    "server_id": UPPER_ID,
                    "port": sip_port,
                    "transport": "udp",
                },
            ),
            (
                "公安视图库（演示）",
                {
                    "protocol": "ga1400",
                    "server_id": VIID_ID,
                    "port": viid_port,
                    "transport": "http",
                },
            ),
        ):
            body = PlatformIn.model_validate(
                {
                    "name": name,
                    "host": host,
                    "local_id": LOCAL_ID,
                    **data,
                    "password": SecretStr(self.password),
                    "keepalive_s": 20,
                }
            )
            await service.save(platform, platform.secrets, "installer", body, existing.get(name))
        log.info("demo: police platforms on SIP port %d and GA/T 1400 port %d", sip_port, viid_port)

    async def stop(self) -> None:
        """Stop both."""
        await self.upper.stop()
        await self.viid.stop()


def make_demo_upper(ctx: SimContext) -> DemoPolice:
    """The demo's police platforms."""
    return DemoPolice(ctx)
