"""Simulated face terminals and card readers for ``anfang demo``.

They speak the HTTP terminal interface only (signed requests, docs/access.md): face
captures of enrolled residents and of strangers (real photos from
``../shared/datasets/faces/lfw-dev``, else the few packaged in ``demo_faces/``), card
swipes (known and unknown), door-contact reports after each grant (now and then a door
forced open), and a poll for remote-open commands.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import random
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
import orjson
from sqlalchemy import select

from anfang.store.models import Device
from anfang.subsystems.access import sim_setup

if TYPE_CHECKING:
    from anfang.subsystems import SimContext

log = logging.getLogger(__name__)
BASE = "/api/v1/access/terminal"
POLL_S = 3.0


def _sign(secret: str, ts: str, body: bytes) -> str:
    # Written here as a terminal's firmware would: HMAC-SHA256(secret, ts + "\n" + body).
    return hmac.new(secret.encode(), ts.encode() + b"\n" + body, hashlib.sha256).hexdigest()


@dataclass
class Terminal:
    """One simulated terminal: its device code, secret, readers and whether it has a door."""

    code: str
    secret: str
    readers: list[str]
    gate: bool


class DemoTerminals:
    """All simulated access terminals of the demo community."""

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.rng = random.Random(5)
        self.terminals: list[Terminal] = []
        self.plan = sim_setup.DemoAccess()
        self.client: httpx.AsyncClient | None = None
        self.tasks: list[asyncio.Task[None]] = []
        self.answers: dict[str, int] = {}

    async def start(self) -> None:
        """Configure access as an installer would, then start every terminal."""
        self.client = httpx.AsyncClient(base_url=self.ctx.base_url, timeout=120)
        self.tasks.append(asyncio.create_task(self._setup_and_run(), name="access-sim"))

    async def stop(self) -> None:
        """Stop the terminals."""
        for t in self.tasks:
            t.cancel()
        for t in self.tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        if self.client is not None:
            await self.client.aclose()

    async def _setup_and_run(self) -> None:
        assert self.client is not None
        try:
            await self._setup(self.client)
        except Exception:
            log.exception("demo: access setup failed; access terminals not started")
            return
        for term in self.terminals:
            self.tasks.append(asyncio.create_task(self._run(term), name=f"sim-{term.code}"))
            self.tasks.append(asyncio.create_task(self._poll(term), name=f"poll-{term.code}"))
        log.info(
            "demo: %d access terminals (%d face photos of residents, %d strangers)",
            len(self.terminals), len(self.plan.probes), len(self.plan.strangers),
        )  # fmt: skip

    async def _setup(self, client: httpx.AsyncClient) -> None:
        ctx = self.ctx
        token = await sim_setup.installer_token(ctx.kernel, client, ctx.work_dir)
        client.headers["Authorization"] = f"Bearer {token}"
        devices = [d for d in ctx.community.devices if d.get("subsystem") == "access"]
        await sim_setup.configure(client, devices)
        root = sim_setup.shared_faces()
        if not root.is_dir():
            root = sim_setup.PACKAGED_FACES
        people, strangers = await asyncio.to_thread(sim_setup.photo_sets, root)
        holders = await sim_setup.get_json(client, "/access/holders?limit=50")
        probes = await sim_setup.enrol_faces(client, people, holders)
        creds = await sim_setup.get_json(client, "/access/credentials")
        self.plan = sim_setup.DemoAccess(
            [c["value"] for c in creds if c["kind"] == "card"], probes, strangers
        )
        secrets = await asyncio.to_thread(self._secrets, [d["code"] for d in devices])
        for d in devices:
            if d["code"] in secrets:
                gate = d["type"] in ("turnstile", "barrier")
                readers = ["in", "out"] if gate else ["1"]
                self.terminals.append(Terminal(d["code"], secrets[d["code"]], readers, gate))

    def _secrets(self, codes: list[str]) -> dict[str, str]:
        # The secret each terminal was provisioned with (configuration, not traffic).
        with self.ctx.kernel.read_session() as s:
            rows = s.execute(select(Device.code, Device.secret).where(Device.code.in_(codes)))
            return {c: sec for c, sec in rows if sec}

    async def _send(
        self, term: Terminal, path: str, body: bytes, ctype: str = "application/json"
    ) -> dict[str, Any] | None:
        assert self.client is not None
        ts = str(int(time.time()))
        headers = {
            "X-Anfang-Device": term.code,
            "X-Anfang-Timestamp": ts,
            "X-Anfang-Signature": _sign(term.secret, ts, body),
            "Content-Type": ctype,
        }
        try:
            r = await self.client.post(f"{BASE}/{path}", content=body, headers=headers)
        except httpx.HTTPError as exc:
            log.debug("sim %s: %s", term.code, exc)
            return None
        self.answers[str(r.status_code)] = self.answers.get(str(r.status_code), 0) + 1
        if r.status_code != 200:
            return None
        out: dict[str, Any] = r.json()
        for cmd in out.get("commands", []):
            if cmd.get("command") == "open" and not term.gate:
                self.tasks.append(asyncio.create_task(self._door_cycle(term, forced=False)))
        return out

    async def _face(self, term: Terminal, reader: str) -> dict[str, Any] | None:
        known = self.plan.probes and self.rng.random() < 0.8
        pool = self.plan.probes if known else self.plan.strangers
        if not pool:
            return None
        image = await asyncio.to_thread(self.rng.choice(pool).read_bytes)
        boundary = f"sim{self.rng.getrandbits(48):012x}"
        fields = {"reader": reader, "liveness": "pass"}
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="image"; '
            f'filename="capture.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
            + image
            + b"\r\n"
        )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return await self._send(term, "face", body, f"multipart/form-data; boundary={boundary}")

    async def _card(self, term: Terminal, reader: str) -> dict[str, Any] | None:
        known = self.plan.cards and self.rng.random() < 0.9
        card = self.rng.choice(self.plan.cards) if known else str(self.rng.randint(1, 9_999_999))
        return await self._send(term, "credential", orjson.dumps({"reader": reader, "card": card}))

    async def _door_cycle(self, term: Terminal, *, forced: bool) -> None:
        await asyncio.sleep(0.5 if not forced else 0)
        await self._send(term, "status", orjson.dumps({"door": "open"}))
        await asyncio.sleep(self.rng.uniform(2, 5) if not forced else 15)
        await self._send(term, "status", orjson.dumps({"door": "closed"}))

    async def _run(self, term: Terminal) -> None:
        """Present at random, about every 20 s (gates) or 90 s (unit doors) at rate 1."""
        mean = (20.0 if term.gate else 90.0) / max(self.ctx.rate, 0.01)
        await asyncio.sleep(self.rng.uniform(0, mean))
        while True:
            reader = self.rng.choice(term.readers)
            roll = self.rng.random()
            if not term.gate and roll < 0.01:
                await self._door_cycle(term, forced=True)
            else:
                use_face = roll < 0.6 and bool(self.plan.probes or self.plan.strangers)
                out = await (self._face(term, reader) if use_face else self._card(term, reader))
                if out is not None and out.get("result") == "grant" and not term.gate:
                    await self._door_cycle(term, forced=False)
            await asyncio.sleep(min(self.rng.expovariate(1 / mean), 5 * mean))

    async def _poll(self, term: Terminal) -> None:
        """Fetch commands (a remote open) every few seconds, as real terminals poll."""
        await asyncio.sleep(self.rng.uniform(0, POLL_S))
        while True:
            await self._send(term, "poll", b"")
            await asyncio.sleep(POLL_S)


def make_demo_terminals(ctx: SimContext) -> DemoTerminals:
    """Sim factory: the demo's access terminals."""
    return DemoTerminals(ctx)
