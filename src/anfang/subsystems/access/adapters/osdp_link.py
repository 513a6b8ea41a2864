"""Connect the access service to OSDP buses: devices with ``protocol = "osdp"`` and
``address = "tcp://host:port"`` (a serial-to-Ethernet converter on the RS-485 bus); their
readers' addresses are the PD addresses (0-126).

Each bus has a supervisor task: connect, run a libosdp control panel until the TCP link
drops, report its PDs offline, wait (exponential backoff, 1 s doubling to 60 s, reset
once a PD answers) and connect again. A reader with an SCBK (sealed in the database)
gets a secure channel, enforced: it never falls back to a plain one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from prometheus_client import Counter
from sqlalchemy import select

from anfang.core.secretbox import SecretError
from anfang.store.models import Device
from anfang.subsystems.access.adapters.osdp import Decide, OsdpPanel, Report, SocketChannel
from anfang.subsystems.access.adapters.osdp_health import PdHealth
from anfang.subsystems.access.directory import Reader
from anfang.subsystems.access.models import AccessReader, scbk_purpose

if TYPE_CHECKING:
    from anfang.subsystems.access.host import AccessHost

log = logging.getLogger(__name__)
RECONNECTS = Counter(
    "anfang_access_osdp_link_total", "OSDP link drops and failed connects", ["what"]
)
BACKOFF_S = 1.0
MAX_BACKOFF_S = 60.0
LINK_CHECK_S = 0.5


def make_report(svc: AccessHost) -> Report:
    """The callback a panel uses for PD health changes: an event on the reader's door."""

    async def report(device: str, address: str, kind: str, payload: dict[str, Any]) -> None:
        await svc.reader_event(device, address, kind, payload)

    return report


def make_decide(svc: AccessHost) -> Decide:
    """The callback a panel uses: present, return (granted, unlock seconds)."""

    async def decide(device: str, address: str, kind: str, value: str) -> tuple[bool, int]:
        if kind == "pin":
            value = svc.pin_digest(value)
        out = await svc.present(device, address, kind, value)
        reader = svc.directory.reader(device, address)
        unlock = svc.directory.snap.unlock_s.get(reader.door_id, 5) if reader else 5
        return out.decision.granted, unlock

    return decide


@dataclass(frozen=True, slots=True)
class Bus:
    """One OSDP bus: its device, ``tcp://host:port`` and the PDs (with their SCBKs)."""

    code: str
    url: str
    addresses: list[int]
    scbks: dict[int, bytes] = field(default_factory=dict)


class OsdpLink:
    """Every OSDP bus of the site: connected, watched, reconnected with backoff when the
    TCP link drops; and the remote-open path through them."""

    def __init__(
        self, svc: AccessHost, backoff_s: float = BACKOFF_S, max_backoff_s: float = MAX_BACKOFF_S
    ) -> None:
        self.svc = svc
        self.backoff_s, self.max_backoff_s = backoff_s, max_backoff_s
        self.panels: dict[str, OsdpPanel] = {}
        self.health: dict[str, dict[int, PdHealth]] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def add(self, panel: OsdpPanel) -> None:
        """Use ``panel`` for remote opens of its device's readers."""
        self.panels[panel.device_code] = panel
        self.svc.openers["osdp"] = self.open

    async def open(self, reader: Reader) -> None:
        """Remote open through the reader's PD relay."""
        panel = self.panels.get(reader.device_code)
        if panel is None:
            raise RuntimeError(f"no OSDP panel for {reader.device_code}")
        unlock = self.svc.directory.snap.unlock_s.get(reader.door_id, 5)
        await panel.open(int(reader.address), unlock)

    def _buses(self) -> list[Bus]:
        with self.svc.platform.read_session() as s:
            rows = s.execute(
                select(Device.id, Device.code, Device.address, AccessReader.address,
                       AccessReader.scbk_sealed)
                .join(AccessReader, AccessReader.device_id == Device.id)
                .where(Device.protocol == "osdp", Device.enabled.is_(True))
            ).all()  # fmt: skip
        out: dict[tuple[str, str], Bus] = {}
        for device_id, code, url, pd, sealed in rows:
            if not (str(pd).isdigit() and 0 <= int(pd) <= 126):
                continue
            bus = out.setdefault((code, url), Bus(code, url, []))
            bus.addresses.append(int(pd))
            if sealed is not None:
                try:
                    key = self.svc.platform.secrets.open(sealed, scbk_purpose(device_id, pd))
                    bus.scbks[int(pd)] = key
                except SecretError:
                    log.error("osdp %s-%s: SCBK does not open; PD left offline", code, pd)
                    bus.scbks[int(pd)] = b"\0" * 16  # enforce SC with a key that fails
        return [Bus(b.code, b.url, sorted(set(b.addresses)), b.scbks) for b in out.values()]

    async def start(self, only: str | None = None) -> None:
        """Start a supervisor per configured bus (``only``: that device's bus)."""
        for bus in await asyncio.to_thread(self._buses):
            if only is not None and bus.code != only:
                continue
            parts = urlsplit(bus.url)
            if parts.scheme != "tcp" or not parts.hostname or not parts.port:
                log.error("osdp device %s: address %r is not tcp://host:port", bus.code, bus.url)
                continue
            self._tasks[bus.code] = asyncio.create_task(
                self._supervise(bus, parts.hostname, parts.port), name=f"osdp-bus-{bus.code}"
            )

    async def restart(self, device_code: str) -> None:
        """Reconnect one bus with its current configuration (e.g. a new SCBK)."""
        await self._stop_bus(device_code)
        await self.start(only=device_code)

    async def _supervise(self, bus: Bus, host: str, port: int) -> None:
        delay = self.backoff_s
        health = self.health.setdefault(bus.code, {})
        report = make_report(self.svc)
        while True:
            try:
                sock = await asyncio.to_thread(socket.create_connection, (host, port), 5)
            except OSError as exc:
                RECONNECTS.labels("failed").inc()
                log.error("osdp %s: cannot connect to %s: %s (retry in %.0f s)",
                          bus.code, bus.url, exc, delay)  # fmt: skip
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_backoff_s)
                continue
            panel = OsdpPanel(
                bus.code, SocketChannel(sock), bus.addresses, make_decide(self.svc),
                scbks=bus.scbks, report=report, health=health,
            )  # fmt: skip
            try:
                await panel.start()
                self.add(panel)
                while not panel.link_lost:
                    if any(h.online for h in health.values()):
                        delay = self.backoff_s  # a link that came up resets the backoff
                    await asyncio.sleep(LINK_CHECK_S)
            finally:
                self.panels.pop(bus.code, None)
                await panel.stop()
                await asyncio.to_thread(sock.close)
            RECONNECTS.labels("dropped").inc()
            log.warning(
                "osdp %s: link to %s dropped (reconnect in %.0f s)", bus.code, bus.url, delay
            )
            for address, h in health.items():  # libosdp may not have said so before its end
                if h.online:
                    h.online = False
                    await report(bus.code, str(address), "access.reader_offline", {})
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.max_backoff_s)

    async def _stop_bus(self, code: str) -> None:
        task = self._tasks.pop(code, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def stop(self) -> None:
        """Stop every bus (and panels added directly)."""
        for code in list(self._tasks):
            await self._stop_bus(code)
        for panel in list(self.panels.values()):
            await panel.stop()
