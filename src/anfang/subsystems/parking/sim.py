"""The car park's simulator for ``anfang demo``: the underground lot's entry and exit LPR
cameras, each sending signed plate reads with real plate crops (``demo_plates/``) to
``POST /api/v1/parking/reads`` like a real camera, and acting on the answer.

One read in five carries only the crop, which the platform reads itself. Residents' cars
(white list) come and go; invited visitors and unknown cars now and then; a
black-listed car about every ten minutes; one exit in twenty is misread by one character
(the console offers the operator the vehicle it probably was). The lot, the lanes, the lists
and the invitations are set up first, as an installer would, when there are none.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import logging
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
from sqlalchemy import func, select

from anfang.core.capabilities import DOOR_OPENER
from anfang.ingest import http_push as hp
from anfang.store.models import Device
from anfang.subsystems import SimContext
from anfang.subsystems.parking import service as svc
from anfang.subsystems.parking.adapters.plates import PROVINCES
from anfang.subsystems.parking.models import ParkingLane, ParkingLot, ParkingVehicle
from anfang.subsystems.parking.schemas import InviteIn, LaneIn, LotIn, VehicleIn

log = logging.getLogger(__name__)
PLATES_DIR = Path(__file__).with_name("demo_plates")
IN, OUT = "LPR-P1-IN", "LPR-P1-OUT"
BARRIER = "GATE-E-V1"  # the entry lane's barrier, a door of access control
BARRIER_WAIT_S = 60.0  # how long the first car waits for access control to configure it
ARRIVALS_PER_MIN = 3.0
BLACK_EVERY_S = 600.0
MISREAD = 0.05
PICTURE_ONLY = 0.2


def demo_plates() -> dict[str, bytes]:
    """The shipped crops by plate."""
    return {p.stem: p.read_bytes() for p in sorted(PLATES_DIR.glob("*.jpg"))}


async def seed(ctx: SimContext, plates: list[str]) -> None:
    """The lot, its two lanes, the white and black lists and two invitations (once)."""
    kernel = ctx.kernel

    def have() -> int:
        with kernel.read_session() as s:
            return int(s.scalar(select(func.count()).select_from(ParkingLot)) or 0)

    if await asyncio.to_thread(have):
        return
    lot = await svc.save(
        kernel, "demo", ParkingLot, LotIn(code="P1", name="地下停车库", capacity=400)
    )
    await svc.save(
        kernel,
        "demo",
        ParkingLane,
        LaneIn(device_code=IN, lot_id=lot.id, direction="in", barrier=BARRIER),
    )
    await svc.save(
        kernel, "demo", ParkingLane, LaneIn(device_code=OUT, lot_id=lot.id, direction="out")
    )
    residents, visitors, black = plates[:30], plates[30:34], plates[-1]
    for p in residents:
        await svc.save(kernel, "demo", ParkingVehicle, VehicleIn(plate=p, owner="住户"))
    await svc.save(
        kernel,
        "demo",
        ParkingVehicle,
        VehicleIn(plate=black, list="black", reason="公安通报被盗车辆"),
    )
    now = datetime.now(UTC)
    for p in visitors[:2]:
        await svc.invite(
            kernel, "demo",
            InviteIn(plate=p, visitor="访客", valid_from=now, valid_until=now + timedelta(days=7)),
        )  # fmt: skip
    log.info("demo: car park set up: %d white, 1 black, 2 invited", len(residents))


def misread(plate: str, rng: random.Random) -> str:
    """The plate with one serial character read wrong."""
    i = rng.randrange(2, len(plate))
    alphabet = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return plate[:i] + rng.choice([c for c in alphabet if c != plate[i]]) + plate[i + 1 :]


class DemoLanes:
    """The two simulated LPR cameras as a simulator component."""

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.rng = random.Random(31)
        self.crops = demo_plates()
        self.plates = [p for p in self.crops if p[0] in PROVINCES]
        self.inside: set[str] = set()
        self.secrets: dict[str, str] = {}
        self.client: httpx.AsyncClient | None = None
        self.tasks: list[asyncio.Task[None]] = []
        self.seq = itertools.count(1)
        self.sent = 0

    def _secrets(self) -> dict[str, str]:
        with self.ctx.kernel.read_session() as s:
            rows = s.execute(select(Device.code, Device.secret).where(Device.code.in_([IN, OUT])))
            return {code: secret for code, secret in rows if secret}

    async def start(self) -> None:
        """Set up and start the traffic."""
        await seed(self.ctx, self.plates)
        self.secrets = await asyncio.to_thread(self._secrets)
        if set(self.secrets) != {IN, OUT}:
            log.warning("demo: the LPR cameras are not in the site: no car-park traffic")
            return
        self.client = httpx.AsyncClient(base_url=self.ctx.base_url, timeout=10)
        self.tasks = [asyncio.create_task(self._traffic(), name="sim-parking")]

    async def _barrier_ready(self) -> None:
        """Wait (at most :data:`BARRIER_WAIT_S`) until access control has the entry barrier:
        the access demo configures its doors over the API while cars would already arrive."""
        opener = self.ctx.kernel.capabilities.get(DOOR_OPENER)
        deadline = time.monotonic() + BARRIER_WAIT_S
        while time.monotonic() < deadline:
            if opener is None or opener.has_door(BARRIER):
                return
            await asyncio.sleep(0.5)
        log.warning("demo: barrier %s not configured: cars will wait at the entry", BARRIER)

    async def read(self, lane: str, plate: str, crop: str) -> dict[str, object] | None:
        """Send one read as the camera at ``lane`` (the crop of ``crop``); the answer."""
        assert self.client is not None
        # One camera in five sends only the crop: the platform reads the plate itself.
        shown = None if self.rng.random() < PICTURE_ONLY else plate
        body = orjson.dumps({
            "id": f"{lane}-{int(time.time())}-{next(self.seq)}", "plate": shown,
            "confidence": round(self.rng.uniform(0.9, 0.995), 3),
            "occurred_at": datetime.now(UTC).isoformat(),
            "image": base64.b64encode(self.crops[crop]).decode(),
        })  # fmt: skip
        stamp = str(int(time.time()))
        signature = hp.sign(self.secrets[lane], stamp, body)
        headers = {
            "Content-Type": "application/json", hp.HEADER_DEVICE: lane,
            hp.HEADER_TIMESTAMP: stamp, hp.HEADER_SIGNATURE: signature,
        }  # fmt: skip
        try:
            r = await self.client.post("/api/v1/parking/reads", content=body, headers=headers)
        except httpx.HTTPError as exc:
            log.debug("demo lane %s: %s", lane, exc)
            return None
        self.sent += 1
        return r.json() if r.status_code == 200 else None

    async def _traffic(self) -> None:
        await self._barrier_ready()
        rate = max(self.ctx.rate, 0.01)
        last_black = time.monotonic()
        first = True
        while True:
            if not first:
                await asyncio.sleep(self.rng.expovariate(ARRIVALS_PER_MIN * rate / 60))
            first = False
            if time.monotonic() - last_black > BLACK_EVERY_S / rate:
                last_black = time.monotonic()
                await self.read(IN, self.plates[-1], self.plates[-1])
                continue
            leave = [p for p in self.inside if self.rng.random() < 0.3]
            if leave and self.rng.random() < 0.5:
                p = self.rng.choice(leave)
                self.inside.discard(p)
                shown = misread(p, self.rng) if self.rng.random() < MISREAD else p
                await self.read(OUT, shown, p)
                continue
            pool = [p for p in self.plates[:-1] if p not in self.inside]
            if pool:
                p = self.rng.choice(pool)
                answer = await self.read(IN, p, p)
                if answer and answer.get("open"):
                    self.inside.add(p)

    async def stop(self) -> None:
        """Stop the traffic."""
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.client is not None:
            await self.client.aclose()


def make_demo_lanes(ctx: SimContext) -> DemoLanes | None:
    """Simulator factory: the car park's cameras (none without the LPR cameras)."""
    codes = {d.get("code") for d in ctx.community.devices}
    return DemoLanes(ctx) if {IN, OUT} <= codes else None
