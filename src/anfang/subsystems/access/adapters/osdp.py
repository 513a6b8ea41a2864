"""OSDP readers through libosdp: anfang is the control panel (CP), readers are PDs.

libosdp does the protocol (framing, CRC, sequence numbers, secure channel) on its own
thread and calls back with card reads and key presses; this adapter turns them into
presentations for the access service on the event loop, and answers a decision with
the reader's relay output (unlock), LED and buzzer. The byte channel is a TCP stream,
which is how RS-485 OSDP buses reach a server (a serial-to-Ethernet converter per bus).

The event mapping (:func:`credential_of`, :class:`Keypad`, and
:func:`osdp_health.health_events`) is pure and tested alone. libosdp reports a PD's
health as events too: notifications of its online and secure-channel state (with
``LibFlag.EnableNotification``) and local status reports (``osdp_LSTATR``: byte 0
tamper, byte 1 power), which become ``access.reader_offline``/``_online``,
``access.tamper``/``_restore`` and ``access.trouble``/``_restore`` (power failure).
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import osdp  # type: ignore[import-untyped]
from prometheus_client import Counter

from anfang.subsystems.access.adapters import wiegand
from anfang.subsystems.access.adapters.osdp_health import PdHealth, health_events

log = logging.getLogger(__name__)
REJECTED = Counter("anfang_access_osdp_rejected_total", "OSDP reads refused", ["reason"])
PIN_END = {ord("#"), 0x0D}
PIN_CLEAR = {ord("*"), 0x7F}
MAX_PIN = 8

# (device code, reader address, kind, value) -> granted?, unlock seconds
Decide = Callable[[str, str, str, str], Awaitable[tuple[bool, int]]]
# (device code, reader address, event kind, payload): a change of a PD's health
Report = Callable[[str, str, str, dict[str, Any]], Awaitable[None]]


class OsdpReadError(ValueError):
    """A card read that cannot be a credential; ``reason`` is a metric label."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def credential_of(event: dict[str, Any]) -> tuple[str, str]:
    """The (kind, value) of an ``osdp_RAW``/``osdp_FMT`` card-read event.

    Wiegand frames are parity-checked (26 and 34 bits); an ASCII read must be digits.
    """
    fmt, data = event.get("format"), event.get("data")
    if not isinstance(data, bytes | bytearray):
        raise OsdpReadError("bad_data", "card read without data bytes")
    if fmt == osdp.CardFormat.ASCII:
        text = bytes(data).decode("ascii", "replace").strip()
        if not text.isdigit() or len(text) > 20:
            raise OsdpReadError("bad_ascii", f"ASCII card read is not a number: {text[:24]!r}")
        return "card", str(int(text))
    bits = event.get("length")
    if not isinstance(bits, int):
        raise OsdpReadError("bad_length", "card read without a bit length")
    try:
        return "card", wiegand.decode_bytes(bytes(data), bits).credential
    except wiegand.WiegandError as exc:
        raise OsdpReadError(f"wiegand_{exc.reason}", str(exc)) from None


@dataclass
class Keypad:
    """Key presses of one reader gathered into a PIN: digits, ``#`` ends, ``*`` clears."""

    digits: list[str] = field(default_factory=list)

    def feed(self, data: bytes) -> str | None:
        """Add key bytes; returns a complete PIN when ``#`` arrives (4-8 digits), else None."""
        for b in data:
            if b in PIN_CLEAR:
                self.digits.clear()
            elif b in PIN_END:
                pin, self.digits = "".join(self.digits), []
                if 4 <= len(pin) <= MAX_PIN:
                    return pin
                REJECTED.labels("bad_pin").inc()
            elif 0x30 <= b <= 0x39 and len(self.digits) < MAX_PIN:
                self.digits.append(chr(b))
            elif 0x30 <= b <= 0x39:
                self.digits.clear()  # too long: someone leaning on the keypad
                REJECTED.labels("bad_pin").inc()
        return None


class SocketChannel(osdp.Channel):  # type: ignore[misc]
    """A non-blocking socket as libosdp's byte channel (called on libosdp's thread)."""

    def __init__(self, sock: socket.socket) -> None:
        super().__init__()
        sock.setblocking(False)
        self.sock = sock
        self.closed = False  # the link dropped: the owner reconnects with a new socket

    def read(self, max_bytes: int) -> bytes:
        """Up to ``max_bytes`` waiting bytes (none: empty)."""
        try:
            data = self.sock.recv(max_bytes)
        except (BlockingIOError, InterruptedError):
            return b""
        except OSError:
            self.closed = True  # a dropped link: the PD goes offline in libosdp's view
            return b""
        if not data:
            self.closed = True  # the peer closed the connection
        return data

    def write(self, buf: bytes) -> int:
        """Send what the socket takes now."""
        try:
            return self.sock.send(buf)
        except (BlockingIOError, InterruptedError):
            return 0
        except OSError:
            self.closed = True
            return -1

    def flush(self) -> None:
        """Nothing buffered here."""


def relay_command(unlock_s: int) -> dict[str, Any]:
    """Output 0 on for ``unlock_s`` (OSDP control code 5: temporary on, then back)."""
    return {
        "command": osdp.Command.Output,
        "output_no": 0,
        "control_code": 5,
        "timer_count": max(1, unlock_s * 10),  # units of 100 ms
    }


def led_command(granted: bool) -> dict[str, Any]:
    """A two-second green (granted) or red (denied) LED."""
    color = osdp.CommandLEDColor.Green if granted else osdp.CommandLEDColor.Red
    return {
        "command": osdp.Command.LED,
        "reader": 0,
        "led_number": 0,
        "control_code": 2,
        "on_count": 10,
        "off_count": 0,
        "on_color": color,
        "off_color": osdp.CommandLEDColor.Black,
        "timer_count": 20,
        "temporary": True,
    }


class OsdpPanel:
    """A control panel for the PDs on one channel; reads go to ``decide``."""

    def __init__(
        self,
        device_code: str,
        channel: osdp.Channel,
        addresses: list[int],
        decide: Decide,
        *,
        scbks: dict[int, bytes] | None = None,
        report: Report | None = None,
        health: dict[int, PdHealth] | None = None,
    ) -> None:
        self.device_code = device_code
        self.decide = decide
        self.report = report
        self.channel = channel
        self.addresses = addresses
        self.keypads: dict[int, Keypad] = {a: Keypad() for a in addresses}
        # Kept by the owner across reconnections, so a reconnect is not a new "online".
        self.health = health if health is not None else {}
        for a in addresses:
            self.health.setdefault(a, PdHealth())
        self._queue: asyncio.Queue[tuple[int, dict[str, Any]]] = asyncio.Queue(maxsize=1000)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        keys = scbks or {}
        infos = []
        for a in addresses:
            flags = [osdp.LibFlag.EnableNotification]
            if a in keys:  # with a key, never fall back to a plain channel
                flags.append(osdp.LibFlag.EnforceSecure)
            infos.append(
                osdp.PDInfo(a, channel, scbk=keys.get(a), name=f"{device_code}-{a}", flags=flags)
            )
        self.cp = osdp.ControlPanel(infos, log_level=osdp.LogLevel.Warning)
        self.cp.set_event_handler(self._on_event)

    def _on_event(self, pd: int, event: dict[str, Any]) -> int:
        # libosdp's thread: hand over to the loop, never block or decide here.
        loop = self._loop
        if loop is not None:
            loop.call_soon_threadsafe(self._offer, self.addresses[pd], event)
        return 0

    def _offer(self, address: int, event: dict[str, Any]) -> None:
        try:
            self._queue.put_nowait((address, event))
        except asyncio.QueueFull:
            REJECTED.labels("overload").inc()

    async def start(self) -> None:
        """Start libosdp's thread and the consumer."""
        self._loop = asyncio.get_running_loop()
        self.cp.start()
        self._task = asyncio.create_task(self._consume(), name=f"osdp-{self.device_code}")

    async def stop(self) -> None:
        """Stop the consumer and libosdp's thread."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self.cp.thread is not None:  # stopping twice is harmless
            await asyncio.to_thread(self.cp.stop)

    def online(self, address: int) -> bool:
        """Whether the PD answers."""
        return bool(self.cp.is_online(address))

    def secure(self, address: int) -> bool:
        """Whether the PD's secure channel is up."""
        return bool(self.cp.is_sc_active(address))

    @property
    def link_lost(self) -> bool:
        """Whether the byte channel's connection dropped (reconnect with a new panel)."""
        return bool(getattr(self.channel, "closed", False))

    async def open(self, address: int, unlock_s: int) -> None:
        """Pulse the PD's relay (a remote open)."""
        await asyncio.to_thread(self.cp.submit_command, address, relay_command(unlock_s))

    async def _consume(self) -> None:
        while True:
            address, event = await self._queue.get()
            try:
                await self._handle(address, event)
            except Exception:  # one bad read never stops the reader
                log.exception("osdp %s-%d: event failed", self.device_code, address)

    async def _handle(self, address: int, event: dict[str, Any]) -> None:
        if event.get("event") in (osdp.Event.Notification, osdp.Event.Status):
            for kind, payload in health_events(self.health[address], event):
                log.warning("osdp %s-%d: %s", self.device_code, address, kind)
                if self.report is not None:
                    await self.report(self.device_code, str(address), kind, payload)
            return
        kind_value: tuple[str, str] | None = None
        if event.get("event") == osdp.Event.CardRead:
            try:
                kind_value = credential_of(event)
            except OsdpReadError as exc:
                REJECTED.labels(exc.reason).inc()
                log.warning("osdp %s-%d: card read refused: %s", self.device_code, address, exc)
                await asyncio.to_thread(self.cp.submit_command, address, led_command(False))
                return
        elif event.get("event") == osdp.Event.KeyPress:
            pin = self.keypads[address].feed(bytes(event.get("data") or b""))
            if pin is not None:
                kind_value = ("pin", pin)
        if kind_value is None:
            return
        granted, unlock_s = await self.decide(self.device_code, str(address), *kind_value)
        await asyncio.to_thread(self.cp.submit_command, address, led_command(granted))
        if granted:
            await asyncio.to_thread(self.cp.submit_command, address, relay_command(unlock_s))
