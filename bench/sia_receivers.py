"""bench/sia's receivers: a real anfang Platform with a console stand-in, and pysiaalarm.

Both get the same panel accounts, a set of their own per mode and repetition.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import multiprocessing
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast

from pysiaalarm.account import SIAAccount
from pysiaalarm.aio.client import SIAClient, SIAClientTCP
from pysiaalarm.event import SIAEvent

from anfang.app.platform import Platform
from anfang.config import Settings
from anfang.subsystems.home_alarm.component import SIA_RECEIVER
from anfang.subsystems.home_alarm.models import AccountCreate
from anfang.subsystems.home_alarm.service import create_account
from bench.api_server import serve_api
from bench.common import latency_summary
from bench.sia_ws import WsConfig
from bench.sia_ws import run as ws_run

KEY_TEXT = "0123456789ABCDEF"  # pysiaalarm takes these 16 characters' bytes as the AES key
KEY = KEY_TEXT.encode("ascii")
ADMIN_PASSWORD = "bench-" + secrets.token_urlsafe(12)
MODES = ("plain", "aes128")
MAX_PANELS = 0x10000


def accounts_for(mode: str, panels: int, rep: int = 0) -> list[str]:
    """One account number (hex) per panel, mode and repetition, none shared between them.

    Every repetition needs accounts of its own: its panels start again at sequence number
    1 with the same content, which anfang rightly takes for retransmissions (acknowledged,
    stored once) within its de-duplication window.
    """
    base = (0x100000 if mode == "plain" else 0x200000) + rep * MAX_PANELS
    return [f"{base + i:X}" for i in range(panels)]


@asynccontextmanager
async def console(platform: Platform) -> AsyncIterator[Any]:
    """Serve the API on a free port and connect the console stand-in; yields its pipe."""
    async with serve_api(platform) as port:
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        config = WsConfig(port, "admin", ADMIN_PASSWORD)
        proc = ctx.Process(target=ws_run, args=(config, child), daemon=True)
        proc.start()
        child.close()
        loop = asyncio.get_running_loop()
        try:
            kind, detail = await loop.run_in_executor(None, parent.recv)
            if kind != "ready":
                raise RuntimeError(f"console stand-in: {detail}")
            yield parent
        finally:
            proc.join(timeout=0.1)
            if proc.is_alive():
                proc.kill()


async def arrivals_of(pipe: Any) -> dict[str, int]:
    """Tell the console stand-in to stop; what it saw (``account:seq`` -> ns)."""
    loop = asyncio.get_running_loop()
    pipe.send("stop")
    kind, detail = await loop.run_in_executor(None, pipe.recv)
    if kind != "result":
        raise RuntimeError(f"console stand-in: {detail}")
    result: dict[str, int] = detail
    return result


@asynccontextmanager
async def anfang_receiver(
    tmp: Path, panels: int, repeat: int = 1
) -> AsyncIterator[tuple[int, Platform]]:
    """A started Platform with plain and AES-128 accounts; yields its SIA TCP port."""
    settings = Settings.model_validate(
        {"data_dir": tmp, "admin_password": ADMIN_PASSWORD, "sia_port": 0}
    )
    platform = Platform(settings)
    await platform.start()
    try:
        assert platform.capabilities.require(SIA_RECEIVER) is not None
        for mode, rep in itertools.product(MODES, range(repeat)):
            key = KEY.hex() if mode == "aes128" else None
            for acct in accounts_for(mode, panels, rep):
                await create_account(platform, "bench", AccountCreate(account=acct, key=key))
        yield platform.capabilities.require(SIA_RECEIVER).tcp_port, platform
    finally:
        await platform.stop()
        gc.unfreeze()  # Platform.start() froze what start-up made


@asynccontextmanager
async def pysia_receiver(
    panels: int, on_event: Callable[[SIAEvent], Awaitable[None]], repeat: int = 1
) -> AsyncIterator[int]:
    """pysiaalarm's asyncio TCP receiver with the same accounts; yields its port."""
    accounts: list[SIAAccount] = []
    for rep in range(repeat):
        accounts += [SIAAccount(a, None) for a in accounts_for("plain", panels, rep)]
        accounts += [SIAAccount(a, KEY_TEXT) for a in accounts_for("aes128", panels, rep)]
    # SIAClient.__new__ picks the TCP subclass; calling the subclass itself fails there.
    client = cast(SIAClientTCP, SIAClient("127.0.0.1", 0, accounts, function=on_event))  # type: ignore[abstract]
    await client.async_start()
    try:
        assert client.server is not None
        yield int(client.server.sockets[0].getsockname()[1])
    finally:
        await client.async_stop()


def console_latency(tally: dict[str, Any], arrivals: dict[str, int]) -> dict[str, Any]:
    """Frame → console latencies of the measured frames, and how many never arrived."""
    sends: dict[str, int] = tally["sends"]
    lat = [(arrivals[k] - t) / 1e6 for k, t in sends.items() if k in arrivals]
    return {"latency_ms": latency_summary(lat), "missing": len(sends) - len(lat)}


def front_pid(platform: Platform) -> int | None:
    """The SIA front process's pid, when it runs (its CPU is the receiver's too)."""
    sia = platform.capabilities.get(SIA_RECEIVER)
    front = sia.front if sia is not None else None
    proc = front.process if front is not None else None
    return proc.pid if proc is not None else None


class Callbacks:
    """Counts pysiaalarm's event callbacks (its only sign that a frame was accepted)."""

    def __init__(self) -> None:
        self.events = 0

    async def on_event(self, event: SIAEvent) -> None:
        self.events += 1
