"""Building intercom: a SIP registrar-lite and back-to-back user agent between door stations
and household indoor monitors, with the call log.

A door station INVITEs ``sip:<room>@anfang`` (a unit's station) or
``sip:<building>-<unit>-<room>@anfang`` (a gate's); anfang rings the household's registered
monitor with a call of its own, relays ringing and the answer (SDP passes through, so media
flows between the two devices), and turns the monitor's ``unlock`` MESSAGE into an
``unlock`` MESSAGE to the door station. Every step lands in ``intercom_calls`` and as an
event. The flow is in docs/intercom.md; the call legs are in ``calls``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from anfang.core.capabilities import Key
from anfang.core.errors import DomainError
from anfang.core.writer import WriteContext
from anfang.subsystems.intercom import store
from anfang.subsystems.intercom.auth import DigestGuard
from anfang.subsystems.intercom.calls import Binding, Call, CallFlow
from anfang.subsystems.intercom.config import IntercomSettings
from anfang.wire import sip
from anfang.wire.sip import SipError, SipRequest
from anfang.wire.sip_udp import Addr, SipEndpoint

if TYPE_CHECKING:
    from anfang.kernel import Kernel

log = logging.getLogger(__name__)
__all__ = ["IntercomError", "IntercomService", "IntercomSettings"]


class IntercomError(DomainError):
    """A refused intercom operation; ``status`` is the HTTP answer it maps to."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class IntercomService(CallFlow):
    """The intercom's SIP side and call log (a platform component)."""

    def __init__(self, platform: Kernel, settings: IntercomSettings) -> None:
        self.platform = platform
        self.settings = settings
        self.endpoint = SipEndpoint(self._on_request)
        self.guard = DigestGuard(settings.domain)
        self.bindings: dict[str, Binding] = {}
        self.calls: dict[str, Call] = {}  # by either leg's Call-ID
        self.listening = False
        self._tasks: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        """Listen for SIP; a taken port is logged, not fatal (alarms matter more)."""
        s = self.settings
        try:
            await self.endpoint.open(s.sip_host, s.sip_port)
        except OSError as exc:
            log.error(
                "intercom: cannot listen for SIP on %s:%d (%s); set ANFANG_INTERCOM_SIP_PORT",
                s.sip_host,
                s.sip_port,
                exc.strerror,
            )
            return
        self.listening = True
        log.info("intercom: SIP on udp://%s:%d", *self.endpoint.local)
        if n := await store.close_interrupted(self.platform):
            log.info("intercom: %d calls left open by the last run marked interrupted", n)

    async def stop(self) -> None:
        """End calls in progress (BYE to both sides) and close the socket."""
        live = [c for c in {id(c): c for c in self.calls.values()}.values() if c.b_to_tag]
        await asyncio.gather(
            *(self._hang_up(c, side) for c in live for side in ("door", "monitor")),
            return_exceptions=True,
        )
        for task in list(self._tasks):
            task.cancel()
        await self.endpoint.close()
        self.listening = False
        self.calls.clear()
        await store.close_interrupted(self.platform)

    async def _on_request(self, req: SipRequest, peer: Addr) -> None:
        handler = {
            "REGISTER": self._register,
            "INVITE": self._invite,
            "CANCEL": self._cancel,
            "BYE": self._bye,
            "MESSAGE": self._message,
            "INFO": self._message,
        }.get(req.method)
        if handler is not None:
            try:
                await handler(req, peer)
            except SipError as exc:  # well-formed SIP that makes no sense here
                log.info("intercom: %s from %s:%d refused: %s", req.method, *peer, exc)
                self.endpoint.reply(req, peer, exc.status)
        elif req.method == "OPTIONS":
            self.endpoint.reply(req, peer, 200, headers=[("Allow", ", ".join(sorted(sip.METHODS)))])
        # ACK ends an INVITE transaction: nothing to do.

    async def _register(self, req: SipRequest, peer: Addr) -> None:
        code = self._caller(req)
        station = await asyncio.to_thread(store.load_station, self.platform, code)
        if station is None:
            log.info("intercom: REGISTER from unknown device %r at %s:%d", code, *peer)
            self.endpoint.reply(req, peer, 403)
            return
        if station.secret:
            refused = self.guard.check(req, code, station.secret)
            if refused == "missing":
                challenge = [("WWW-Authenticate", self.guard.challenge())]
                self.endpoint.reply(req, peer, 401, headers=challenge)
                return
            if refused is not None:
                self.endpoint.reply(req, peer, 403)
                return
        contact = req.header("contact") or ""
        raw = sip.param(contact, "expires") or req.header("expires") or "300"
        expires = min(int(raw), 3600) if raw.isdigit() and len(raw) < 8 else 300
        if expires == 0 or contact == "*":
            self.bindings.pop(code, None)
        else:
            self.bindings[code] = Binding(station, peer, time.monotonic() + expires)
        self.endpoint.reply(
            req,
            peer,
            200,
            headers=[("Contact", f"{contact};expires={expires}"), ("Expires", str(expires))],
        )

    def binding(self, code: str, kind: str | None = None) -> Binding | None:
        """The live registration of ``code`` (of ``kind``), or None."""
        b = self.bindings.get(code)
        if b is None or b.expires < time.monotonic():
            return None
        return b if kind is None or b.station.kind == kind else None

    async def remote_unlock(
        self, station: str, actor: str, reason: str, call_id: str | None = None
    ) -> None:
        """An operator opens a door station (audited, success or not); IntercomError else."""
        door = self.binding(station, "door_station")
        if door is None:
            raise IntercomError(409, f"door station {station!r} is not registered")
        call = next((c for c in self.calls.values() if c.id == call_id), None) if call_id else None
        if call is not None and call.door.station.code != station:
            raise IntercomError(422, f"call {call_id} is not at door station {station}")
        live = call if call is not None and call.state != "ringing" else None
        ok = await self._send_unlock(door, live)
        if ok and live is not None:  # before any await: a hang-up right after ends "unlocked"
            live.unlocked, live.state = True, "unlocked"

        def audit(ctx: WriteContext) -> None:
            detail = {"reason": reason, "call": call_id, "confirmed": ok}
            self.platform.audit.append(
                ctx, actor, "intercom.remote_unlock", f"device:{station}", detail
            )

        await self.platform.writer.run(audit)
        if not ok:
            raise IntercomError(504, f"door station {station} did not confirm the unlock")
        await store.mark_unlocked(self.platform, call_id, station, actor, reason)


INTERCOM: Key[IntercomService] = Key("intercom")
