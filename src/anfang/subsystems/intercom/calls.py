"""The call flow of the intercom's back-to-back user agent: door station leg A, monitor
leg B, ringing, answer, unlock, refusal, cancel and hang-up (see docs/intercom.md)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from prometheus_client import Counter

from anfang.core.events import new_id
from anfang.store.base import utcnow
from anfang.subsystems.intercom import store
from anfang.subsystems.intercom.config import IntercomSettings
from anfang.wire import sip
from anfang.wire.sip import SipError, SipRequest, SipResponse
from anfang.wire.sip_udp import Addr, SipEndpoint

if TYPE_CHECKING:
    from anfang.kernel import Kernel

log = logging.getLogger(__name__)
CALLS = Counter("anfang_intercom_calls_total", "Intercom calls by outcome", ["outcome"])
MAX_SNAPSHOT = 60_000  # one UDP datagram
UNLOCK, DENY = b"unlock", b"deny"


@dataclass
class Binding:
    """A registered device: where it answers, until when."""

    station: store.Station
    addr: Addr
    expires: float


@dataclass
class Call:
    """A call in progress: the door station's leg A and anfang's leg B to the monitor."""

    id: str
    door: Binding
    monitor: Binding
    household_id: int
    dialed: str
    a_req: SipRequest
    a_tag: str = field(default_factory=sip.new_tag)
    b_call_id: str = field(default_factory=lambda: f"{new_id()}@anfang")
    b_tag: str = field(default_factory=sip.new_tag)
    b_branch: str = field(default_factory=sip.new_branch)
    b_to_tag: str | None = None
    a_cseq: int = 0
    b_cseq: int = 1
    state: str = "ringing"
    cancel_reason: str | None = None
    unlocked: bool = False
    denied: bool = False

    @property
    def a_call_id(self) -> str:
        """The door station's Call-ID."""
        return self.a_req.call_id


class CallFlow(ABC):
    """Calls between door stations and monitors; the service adds registration on top."""

    platform: Kernel
    settings: IntercomSettings
    endpoint: SipEndpoint
    bindings: dict[str, Binding]
    calls: dict[str, Call]  # by either leg's Call-ID
    _tasks: set[asyncio.Task[Any]]

    @abstractmethod
    def binding(self, code: str, kind: str | None = None) -> Binding | None:
        """The live registration of ``code`` (of ``kind``), or None (the registrar's)."""

    def _spawn(self, coro: Any) -> None:
        task: asyncio.Task[Any] = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ------------------------------------------------------------- requests

    def _caller(self, req: SipRequest) -> str:
        user = sip.uri_user(sip.parse_name_addr(req.header("from") or "").uri)
        if not user:
            raise SipError("From has no user part")
        return user

    async def _invite(self, req: SipRequest, peer: Addr) -> None:
        if req.call_id in self.calls:
            return  # a re-INVITE or a late retransmission: the call is already handled
        door = self.binding(self._caller(req), "door_station")
        if door is None or door.addr != peer:
            self.endpoint.reply(req, peer, 403)
            return
        dialed = sip.uri_user(req.uri) or ""
        household = await asyncio.to_thread(
            store.find_household, self.platform, door.station, dialed
        )
        if household is None:
            self.endpoint.reply(req, peer, 404)
            return
        monitors = [
            b
            for b in self.bindings.values()
            if b.station.kind == "indoor_monitor"
            and b.station.household_id == household
            and b.expires >= time.monotonic()
        ]
        if not monitors:
            await store.log_unreached(self.platform, door.station, dialed, household, req.call_id)
            CALLS.labels("no_monitor").inc()
            self.endpoint.reply(req, peer, 480)
            return
        self.endpoint.reply(req, peer, 100)
        call = Call(new_id(), door, max(monitors, key=lambda b: b.expires), household, dialed, req)
        self.calls[call.a_call_id] = self.calls[call.b_call_id] = call
        try:
            await store.start_call(
                self.platform,
                call.id,
                call.a_call_id,
                door.station,
                dialed,
                household,
                call.monitor.station.code,
            )
        except Exception:  # not logged, not rung: the transport answers 500
            del self.calls[call.a_call_id], self.calls[call.b_call_id]
            raise
        self._spawn(self._ring(call))

    async def _ring(self, call: Call) -> None:
        mon = call.monitor
        headers = [
            ("From", f"<sip:{call.door.station.code}@{self.settings.domain}>;tag={call.b_tag}"),
            ("To", f"<sip:{mon.station.code}@{self.settings.domain}>"),
            ("Call-ID", call.b_call_id),
            ("CSeq", "1 INVITE"),
            ("Contact", f"<sip:anfang@{self.endpoint.local[0]}:{self.endpoint.local[1]}>"),
        ]
        if ctype := call.a_req.header("content-type"):
            headers.append(("Content-Type", ctype))
        ringing = False

        def provisional(resp: SipResponse) -> None:
            nonlocal ringing
            if resp.status == 180 and not ringing and call.state == "ringing":
                ringing = True
                self._reply_a(call, 180)

        loop = asyncio.get_running_loop()
        timer = loop.call_later(
            self.settings.ring_timeout_s, lambda: self._spawn(self._cancel_b(call, "timeout"))
        )
        resp: SipResponse | None
        try:
            resp = await self.endpoint.request(
                mon.addr,
                "INVITE",
                self._b_uri(call),
                headers,
                call.a_req.body,
                branch=call.b_branch,
                give_up_s=self.settings.ring_timeout_s + 8,
                on_provisional=provisional,
            )
        except (TimeoutError, ConnectionAbortedError):
            resp = None
        finally:
            timer.cancel()
        await self._answered(call, resp)

    async def _answered(self, call: Call, resp: SipResponse | None) -> None:
        if resp is not None and 200 <= resp.status < 300 and call.cancel_reason is None:
            call.b_to_tag, call.state = resp.to_tag, "answered"
            hdrs = [("Contact", f"<sip:anfang@{self.endpoint.local[0]}:{self.endpoint.local[1]}>")]
            if ctype := resp.header("content-type"):
                hdrs.append(("Content-Type", ctype))
            self._reply_a(call, 200, hdrs, resp.body)
            await store.update_call(self.platform, call.id, state="answered", answered_at=utcnow())
            return
        if resp is not None and resp.status == 603:
            self._reply_a(call, 603)
            await self._finish(call, "ended", "declined", "intercom.denied")
            return
        if resp is not None and 200 <= resp.status < 300:  # answered just as we cancelled
            call.b_to_tag = resp.to_tag
            self._spawn(self._hang_up(call, "monitor"))
        reason = call.cancel_reason or ("busy" if resp and resp.status == 486 else "unreachable")
        if reason != "cancelled":  # a CANCEL from the door station was answered 487 already
            self._reply_a(call, 486 if reason == "busy" else 480)
        await self._finish(call, "missed", reason, "intercom.missed")

    def _reply_a(
        self,
        call: Call,
        status: int,
        headers: list[tuple[str, str]] | None = None,
        body: bytes = b"",
    ) -> None:
        self.endpoint.reply(
            call.a_req, call.door.addr, status, to_tag=call.a_tag, headers=headers, body=body
        )

    def _b_uri(self, call: Call) -> str:
        host, port = call.monitor.addr
        return f"sip:{call.monitor.station.code}@{host}:{port}"

    async def _cancel_b(self, call: Call, reason: str) -> None:
        if call.state != "ringing" or call.cancel_reason is not None:
            return
        call.cancel_reason = reason
        headers = [
            ("From", f"<sip:{call.door.station.code}@{self.settings.domain}>;tag={call.b_tag}"),
            ("To", f"<sip:{call.monitor.station.code}@{self.settings.domain}>"),
            ("Call-ID", call.b_call_id),
            ("CSeq", "1 CANCEL"),
        ]
        with contextlib.suppress(TimeoutError, ConnectionAbortedError):
            await self.endpoint.request(
                call.monitor.addr,
                "CANCEL",
                self._b_uri(call),
                headers,
                branch=call.b_branch,
                give_up_s=4,
            )

    async def _cancel(self, req: SipRequest, peer: Addr) -> None:
        call = self.calls.get(req.call_id)
        if call is None or call.door.addr != peer:
            self.endpoint.reply(req, peer, 481)
            return
        self.endpoint.reply(req, peer, 200)
        if call.state == "ringing":
            self._reply_a(call, 487)
            await self._cancel_b(call, "cancelled")

    async def _bye(self, req: SipRequest, peer: Addr) -> None:
        call = self.calls.get(req.call_id)
        from_door = call is not None and req.call_id == call.a_call_id
        if call is None or call.state == "ringing":  # no dialog (yet): CANCEL ends a ringing call
            self.endpoint.reply(req, peer, 481)
            return
        if peer != (call.door.addr if from_door else call.monitor.addr):
            self.endpoint.reply(req, peer, 403)
            return
        self.endpoint.reply(req, peer, 200)
        await self._hang_up(call, "monitor" if from_door else "door")
        reason = "unlocked" if call.unlocked else "denied" if call.denied else "hangup"
        await self._finish(call, "ended", reason, None)

    async def _hang_up(self, call: Call, side: str) -> None:
        """Send BYE on one leg (best effort: the other side may be gone)."""
        if side == "door":
            call.a_cseq += 1
            peer, uri, headers = call.door.addr, self._a_uri(call), self._a_dialog(call, "BYE")
        else:
            call.b_cseq += 1
            peer, uri, headers = call.monitor.addr, self._b_uri(call), self._b_dialog(call, "BYE")
        with contextlib.suppress(TimeoutError, ConnectionAbortedError):
            await self.endpoint.request(peer, "BYE", uri, headers, give_up_s=4)

    def _a_uri(self, call: Call) -> str:
        host, port = call.door.addr
        return f"sip:{call.door.station.code}@{host}:{port}"

    def _a_dialog(self, call: Call, method: str) -> list[tuple[str, str]]:
        return [
            ("From", f"{call.a_req.header('to')};tag={call.a_tag}"),
            ("To", call.a_req.header("from") or ""),
            ("Call-ID", call.a_call_id),
            ("CSeq", f"{call.a_cseq} {method}"),
        ]

    def _b_dialog(self, call: Call, method: str) -> list[tuple[str, str]]:
        to = f"<sip:{call.monitor.station.code}@{self.settings.domain}>"
        return [
            ("From", f"<sip:{call.door.station.code}@{self.settings.domain}>;tag={call.b_tag}"),
            ("To", f"{to};tag={call.b_to_tag}" if call.b_to_tag else to),
            ("Call-ID", call.b_call_id),
            ("CSeq", f"{call.b_cseq} {method}"),
        ]

    async def _finish(self, call: Call, state: str, reason: str, kind: str | None) -> None:
        call.state = state
        self.calls.pop(call.a_call_id, None)
        self.calls.pop(call.b_call_id, None)
        CALLS.labels(reason).inc()
        await store.update_call(
            self.platform, call.id, state=state, end_reason=reason, ended_at=utcnow(), kind=kind
        )

    # ------------------------------------------------------------- messages and unlock

    async def _message(self, req: SipRequest, peer: Addr) -> None:
        call = self.calls.get(req.call_id)
        if call is None:
            self.endpoint.reply(req, peer, 481)
            return
        from_door = req.call_id == call.a_call_id
        if peer != (call.door.addr if from_door else call.monitor.addr):
            log.warning("intercom: MESSAGE for call %s from stranger %s:%d", call.id, *peer)
            self.endpoint.reply(req, peer, 403)
            return
        if from_door:  # the visitor's snapshot
            await self._snapshot(call, req, peer)
            return
        command = req.body.strip().lower()
        if command not in (UNLOCK, DENY) or call.state not in ("answered", "unlocked", "denied"):
            self.endpoint.reply(req, peer, 400 if command not in (UNLOCK, DENY) else 481)
            return
        self.endpoint.reply(req, peer, 200)
        who = f"monitor:{call.monitor.station.code}"
        if command == DENY:
            call.denied, call.state = True, "denied"
            await store.update_call(self.platform, call.id, state="denied", kind="intercom.denied")
            return
        if await self._send_unlock(call.door, call):
            call.unlocked, call.state = True, "unlocked"
            await store.mark_unlocked(self.platform, call.id, call.door.station.code, who, None)

    async def _snapshot(self, call: Call, req: SipRequest, peer: Addr) -> None:
        ctype = (req.header("content-type") or "").split(";")[0].strip().lower()
        if ctype != "image/jpeg":
            self.endpoint.reply(req, peer, 415)
            return
        body = req.body
        if len(body) > MAX_SNAPSHOT:
            self.endpoint.reply(req, peer, 413)
            return
        if not (body.startswith(b"\xff\xd8\xff") and body.rstrip(b"\0").endswith(b"\xff\xd9")):
            log.info("intercom: snapshot of call %s is not a JPEG", call.id)
            self.endpoint.reply(req, peer, 400)
            return
        await store.save_snapshot(self.platform, call.id, body)
        self.endpoint.reply(req, peer, 200)

    async def _send_unlock(self, door: Binding, call: Call | None) -> bool:
        """Tell a door station to open (in the call's dialog, else on its own); True if it did."""
        if call is not None:
            call.a_cseq += 1
            uri, headers = self._a_uri(call), self._a_dialog(call, "MESSAGE")
        else:
            host, port = door.addr
            uri = f"sip:{door.station.code}@{host}:{port}"
            headers = [
                ("From", f"<sip:anfang@{self.settings.domain}>;tag={sip.new_tag()}"),
                ("To", f"<sip:{door.station.code}@{self.settings.domain}>"),
                ("Call-ID", f"{new_id()}@anfang"),
                ("CSeq", "1 MESSAGE"),
            ]
        headers.append(("Content-Type", "text/plain"))
        try:
            resp = await self.endpoint.request(
                door.addr, "MESSAGE", uri, headers, UNLOCK, give_up_s=4
            )
        except (TimeoutError, ConnectionAbortedError):
            log.warning("intercom: door station %s did not confirm unlock", door.station.code)
            return False
        return 200 <= resp.status < 300
