"""``anfang demo``: the platform, its API and console, and a whole simulated community.

The simulated devices reach the platform only through its HTTP push API, exactly like
real devices on the community's network would.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import orjson
import uvicorn
from sqlalchemy import select

from anfang.app.http import create_app
from anfang.app.platform import Platform
from anfang.app.registry import make_sims
from anfang.app.serving import uvicorn_options
from anfang.audit.anchors import AuditChainBroken
from anfang.config import Settings
from anfang.ingest.sim_runner import Activity, SimRunner
from anfang.sim.community import HEARTBEAT_S, DemoCommunity, build_demo_site
from anfang.site.importer import import_site
from anfang.site.residents import import_residents
from anfang.store.models import Device, Site
from anfang.subsystems import Component, SimContext

log = logging.getLogger(__name__)

SILENT_DEVICE = "CAM-10"


class DemoError(RuntimeError):
    """The demo cannot start; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class DemoTempo:
    """How lively the demo is; tests speed it up."""

    heartbeat_s: float = HEARTBEAT_S
    silent_after_s: float = 45.0
    rate: float = 1.0  # multiplies every event rate


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: ``run_demo`` owns Ctrl-C."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def seed_if_empty(platform: Platform, community: DemoCommunity) -> bool:
    """Import the demo community through the site and residents importers if no site exists."""

    def has_site() -> bool:
        with platform.read_session() as session:
            return session.execute(select(Site.id).limit(1)).first() is not None

    if await asyncio.to_thread(has_site):
        return False
    log.info("demo: empty database, importing the demo community")
    report = await import_site(platform, orjson.dumps(community.site_file), actor="demo")
    if report.errors:
        raise RuntimeError(f"demo site file refused: {report.errors[:3]}")
    people = await import_residents(
        platform, community.residents_csv(), "demo-residents.csv", actor="demo"
    )
    if people.errors:
        raise RuntimeError(f"demo residents refused: {people.errors[:3]}")
    log.info("demo: imported %s and %d residents", report.counts, people.imported)
    return True


def _secrets(platform: Platform, codes: list[str]) -> dict[str, str]:
    """The stored secrets of the demo's devices (they may differ from a fresh build)."""
    with platform.read_session() as session:
        rows = session.execute(
            select(Device.code, Device.secret).where(
                Device.code.in_(codes), Device.enabled.is_(True), Device.protocol == "http-push"
            )
        ).all()
    return {code: secret for code, secret in rows if secret}


def plan_devices(
    community: DemoCommunity, runner: SimRunner, secrets: dict[str, str], tempo: DemoTempo
) -> None:
    """Add every demo device the database knows to ``runner`` with its behaviour."""
    k = tempo.rate
    # Gates, turnstiles, barriers and unit doors are played by the access subsystem's
    # simulated terminals (real face photos and cards over its terminal interface), the
    # LPR cameras' reads by the car park's simulator; here they only send heartbeats.
    by_type: dict[str, list[Activity]] = {
        "camera": [Activity("video.motion", 0.3 * k)],
    }
    for dev in community.devices:
        code = dev["code"]
        if code not in secrets:
            continue
        acts = by_type.get(dev["type"], [])
        if dev["type"] == "ir_beam" or dev["subsystem"] == "patrol":
            continue  # played by the perimeter's and the guard tour's simulators
        if dev.get("expected_interval_s") is None:
            continue  # not networked (the west fire-lane gate is opened by hand)
        silent = tempo.silent_after_s if code == SILENT_DEVICE else None
        runner.add(
            code,
            secrets[code],
            acts,
            heartbeat_s=tempo.heartbeat_s,
            silent_after_s=silent,
            backoff_max_s=5.0,
        )


async def _report(runner: SimRunner, every_s: float = 60.0) -> None:
    """Say now and then what the simulated community has delivered."""
    while True:
        await asyncio.sleep(every_s)
        t = runner.totals()
        pending = sum(d.pending for d in runner.devices.values())
        log.info(
            "demo: simulated devices: %d events acknowledged, %d waiting, %d retries, "
            "%d heartbeats",
            t.acked,
            pending,
            t.retries,
            t.heartbeats,
        )


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=2048)


def _local_host(host: str) -> str:
    """The address to reach a server listening on ``host`` from this machine."""
    return {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)


def _client_url(host: str, port: int) -> str:
    host = _local_host(host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


async def _wait_answering(base_url: str, serving: asyncio.Task[None]) -> None:
    async with httpx.AsyncClient(timeout=2.0) as client:
        while not serving.done():
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(base_url + "/healthz")).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    serving.result()  # re-raise why the server stopped
    raise RuntimeError("the web server stopped before it answered")


def _banner(url: str, platform: Platform, seeded: bool, devices: int) -> None:
    # The password itself never goes into the log: the file is readable by its owner only.
    kept = platform.initial_password_file()
    if kept is not None:
        pw = f"cat {kept}   (change it at the first login)"
    else:
        pw = "(as you set it; forgotten? `anfang user set-password admin`)"
    lines = [
        "=" * 64,
        "anfang 演示 demo: 锦绣花园 simulated community is running",
        f"  console 控制台:   {url}/",
        f"  API docs:         {url}/docs",
        "  login 用户名:     admin",
        f"  password 密码:    {pw}",
        f"  simulated devices: {devices} over HTTP push"
        + (" (community imported now)" if seeded else ""),
        f"  {SILENT_DEVICE} goes silent on purpose: watch it turn offline",
        "  police inspector 民警: inspector, password: "
        f"cat {platform.settings.data_dir / 'sim' / 'compliance-inspector.txt'}",
        "  Ctrl-C stops",
        "=" * 64,
    ]
    log.info("\n%s", "\n".join(lines))


async def run_demo(
    settings: Settings,
    *,
    ready: asyncio.Event | None = None,
    stop: asyncio.Event | None = None,
    tempo: DemoTempo | None = None,
    community: DemoCommunity | None = None,
) -> None:
    """Run platform, API and simulated community until Ctrl-C (or ``stop`` is set)."""
    tempo = tempo or DemoTempo()
    # One line per simulated request would drown the platform's own log.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    stop = stop or asyncio.Event()
    platform = Platform(settings, lenient=True)
    try:
        sock = _bind(settings.host, settings.port)  # fail early and clearly if it is taken
    except OSError as exc:
        raise DemoError(
            f"cannot listen on {settings.host}:{settings.port} ({exc.strerror}); "
            "choose another port with --port or ANFANG_PORT"
        ) from exc
    community = community or build_demo_site()
    loop = asyncio.get_running_loop()
    handled: list[signal.Signals] = []
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
                handled.append(sig)
    runner: SimRunner | None = None
    sims: list[Component] = []
    server: _Server | None = None
    serving: asyncio.Task[None] | None = None
    try:
        try:
            await platform.start()
        except AuditChainBroken as exc:
            raise DemoError(str(exc)) from exc
        seeded = await seed_if_empty(platform, community)
        app = create_app(settings, platform=platform)
        options = uvicorn_options(settings) | {"ssl_certfile": None, "ssl_keyfile": None}
        config = uvicorn.Config(app, log_level="info", lifespan="on", access_log=False, **options)
        server = _Server(config)
        serving = asyncio.create_task(server.serve(sockets=[sock]), name="demo-http")
        url = _client_url(settings.host, settings.port)
        await _wait_answering(url, serving)
        found = await asyncio.to_thread(_secrets, platform, [d["code"] for d in community.devices])
        runner = SimRunner(url, seed=11)
        plan_devices(community, runner, found, tempo)
        await runner.start()
        runner.spawn(_report(runner), "sim-report")
        # The console works from here on: say so before the slower simulators start.
        _banner(url, platform, seeded, len(runner.devices))
        ctx = SimContext(
            kernel=platform,
            settings=settings,
            base_url=url,
            host=_local_host(settings.host),
            community=community,
            rate=tempo.rate,
            work_dir=settings.data_dir / "sim",
        )
        for sim in make_sims(ctx):
            try:
                await sim.start()
            except (OSError, RuntimeError) as exc:  # an optional part: one line, go on
                why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                log.warning("demo: left out %s: %s", type(sim).__name__, why)
                continue
            sims.append(sim)
        if ready is not None:
            ready.set()
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({stopping, serving}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
    finally:
        log.info("demo: stopping")
        for sig in handled:
            loop.remove_signal_handler(sig)
        for sim in reversed(sims):
            with contextlib.suppress(Exception):
                await sim.stop()
        if runner is not None:
            await runner.stop(flush_timeout=3.0)
        if server is not None and serving is not None:
            server.should_exit = True
            with contextlib.suppress(Exception):
                await serving
        sock.close()
        await platform.stop()
