"""Simulated SIP door stations and indoor monitors: they speak SIP over UDP to anfang, as
the real devices do, and never call anfang's functions.

A door station registers, INVITEs a room, sends the visitor's JPEG in a MESSAGE, and opens
when an ``unlock`` MESSAGE comes. A monitor registers, rings (180), then answers and
unlocks, answers and refuses, declines (603) or lets it ring, as its ``choose`` says.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from anfang.wire import digest, sip
from anfang.wire.sip import SipRequest, SipResponse
from anfang.wire.sip_udp import Addr, SipEndpoint

log = logging.getLogger(__name__)
SDP = (
    b"v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    b"m=audio 40000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n"
)


class _Device:
    """What door stations and monitors share: a socket, a code, registration."""

    def __init__(self, code: str, server: Addr, domain: str = "anfang", secret: str = "") -> None:
        self.code = code
        self.server = server
        self.domain = domain
        self.secret = secret
        self.endpoint = SipEndpoint(self._on_request)
        self.registered = False
        self._refresh: asyncio.Task[None] | None = None

    async def start(self, host: str = "127.0.0.1", expires: int = 300) -> None:
        """Open the socket, register, and re-register at half the lifetime."""
        await self.endpoint.open(host, 0)
        await self.register(expires)
        self._refresh = asyncio.create_task(self._keep_registered(expires))

    async def _keep_registered(self, expires: int) -> None:
        while True:
            await asyncio.sleep(expires / 2)
            try:
                await self.register(expires)
            except TimeoutError:
                log.info("simulated %s: REGISTER not answered; retrying later", self.code)

    async def register(self, expires: int = 300) -> int:
        """REGISTER with anfang (answering its digest challenge); returns the final status."""
        host, port = self.endpoint.local
        aor = f"<sip:{self.code}@{self.domain}>"
        uri = f"sip:{self.domain}"
        headers = [
            ("From", f"{aor};tag={sip.new_tag()}"),
            ("To", aor),
            ("Call-ID", f"reg-{self.code}-{sip.new_tag()}"),
            ("Contact", f"<sip:{self.code}@{host}:{port}>"),
            ("Expires", str(expires)),
        ]
        resp = await self.endpoint.request(
            self.server, "REGISTER", uri, [*headers, ("CSeq", "1 REGISTER")]
        )
        challenge = resp.header("www-authenticate")
        if resp.status == 401 and challenge:
            answer = digest.digest_authorization(challenge, self.code, self.secret, "REGISTER", uri)
            resp = await self.endpoint.request(
                self.server,
                "REGISTER",
                uri,
                [*headers, ("CSeq", "2 REGISTER"), ("Authorization", answer)],
            )
        self.registered = resp.status == 200
        return resp.status

    async def stop(self) -> None:
        """Stop re-registering and close the socket."""
        if self._refresh is not None:
            self._refresh.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresh
        await self.endpoint.close()

    async def _on_request(self, req: SipRequest, peer: Addr) -> None:
        self.endpoint.reply(req, peer, 200 if req.method in ("OPTIONS", "BYE", "ACK") else 405)


@dataclass
class CallResult:
    """What a door station saw of one call."""

    status: int
    rang: bool = False
    opened: bool = False
    ended_by_peer: bool = False


class SimulatedDoorStation(_Device):
    """A unit or gate door station (门口机)."""

    def __init__(self, code: str, server: Addr, domain: str = "anfang", secret: str = "") -> None:
        super().__init__(code, server, domain, secret)
        self.opened = 0
        self._call: tuple[str, asyncio.Event, asyncio.Event] | None = None

    async def _on_request(self, req: SipRequest, peer: Addr) -> None:
        if req.method == "MESSAGE":
            if req.body.strip().lower() != b"unlock":
                self.endpoint.reply(req, peer, 400)
                return
            self.endpoint.reply(req, peer, 200)
            self.opened += 1  # the lock relay clicks
            if self._call and self._call[0] == req.call_id:
                self._call[1].set()
            return
        if req.method == "BYE" and self._call and self._call[0] == req.call_id:
            self.endpoint.reply(req, peer, 200)
            self._call[2].set()
            return
        await super()._on_request(req, peer)

    async def call(
        self,
        dialed: str,
        snapshot: bytes | None = None,
        *,
        talk_s: float = 5.0,
        hang_up_on_open: bool = False,
    ) -> CallResult:
        """Ring ``dialed``; wait for the answer, an unlock and the hang-up (or hang up).

        ``hang_up_on_open``: end the call as soon as the door opens in it (as many stations
        do), instead of waiting ``talk_s`` for the other side to hang up.
        """
        call_id = f"{sip.new_tag()}@{self.code}"
        tag = sip.new_tag()
        frm = f"<sip:{self.code}@{self.domain}>;tag={tag}"
        to = f"<sip:{dialed}@{self.domain}>"
        opened, ended = asyncio.Event(), asyncio.Event()
        self._call = (call_id, opened, ended)
        result = CallResult(0)
        sent: list[asyncio.Task[Any]] = []

        def provisional(resp: SipResponse) -> None:
            result.rang = result.rang or resp.status == 180
            if snapshot is not None and not sent:
                sent.append(asyncio.create_task(self._send_snapshot(call_id, frm, to, snapshot)))

        headers = [("From", frm), ("To", to), ("Call-ID", call_id), ("CSeq", "1 INVITE")]
        host, port = self.endpoint.local
        headers += [
            ("Contact", f"<sip:{self.code}@{host}:{port}>"),
            ("Content-Type", "application/sdp"),
        ]
        try:
            resp = await self.endpoint.request(
                self.server,
                "INVITE",
                f"sip:{dialed}@{self.domain}",
                headers,
                SDP,
                give_up_s=120,
                on_provisional=provisional,
            )
            result.status = resp.status
            if resp.status == 200:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(talk_s):
                        await _first(ended, *((opened,) if hang_up_on_open else ()))
                result.ended_by_peer = ended.is_set()
                if not ended.is_set():
                    dialog = [("From", frm), ("To", resp.header("to") or to), ("Call-ID", call_id)]
                    await self.endpoint.request(
                        self.server,
                        "BYE",
                        f"sip:{dialed}@{self.domain}",
                        [*dialog, ("CSeq", "2 BYE")],
                    )
            result.opened = opened.is_set()
        finally:
            for t in sent:
                with contextlib.suppress(Exception):
                    await t
            self._call = None
        return result

    async def _send_snapshot(self, call_id: str, frm: str, to: str, jpeg: bytes) -> None:
        headers = [
            ("From", frm),
            ("To", to),
            ("Call-ID", call_id),
            ("CSeq", "3 MESSAGE"),
            ("Content-Type", "image/jpeg"),
        ]
        with contextlib.suppress(TimeoutError):
            await self.endpoint.request(
                self.server, "MESSAGE", f"sip:anfang@{self.domain}", headers, jpeg
            )


async def _first(*events: asyncio.Event) -> None:
    """Wait until any of ``events`` is set."""
    waits = [asyncio.create_task(e.wait()) for e in events]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()


# "unlock", "deny" (answer, then say so), "decline" (603), "ignore" (let it ring),
# "hangup" (answer, then hang up), "hold" (answer and wait for the other side to end it)
Choice = str


class SimulatedMonitor(_Device):
    """A household's indoor monitor (室内机): rings, then does what ``choose`` says."""

    def __init__(
        self,
        code: str,
        server: Addr,
        choose: Callable[[], Choice],
        *,
        ring_s: float = 0.05,
        domain: str = "anfang",
        secret: str = "",
    ) -> None:
        super().__init__(code, server, domain, secret)
        self.choose = choose
        self.ring_s = ring_s
        self.calls: list[Choice] = []
        self.cancelled = 0
        self._ringing: dict[str, tuple[SipRequest, Addr, str]] = {}

    async def _on_request(self, req: SipRequest, peer: Addr) -> None:
        if req.method == "INVITE":
            await self._ring(req, peer)
        elif req.method == "CANCEL":
            self.endpoint.reply(req, peer, 200)
            if (ringing := self._ringing.pop(req.call_id, None)) is not None:
                self.cancelled += 1
                self.endpoint.reply(ringing[0], ringing[1], 487, to_tag=ringing[2])
        else:
            await super()._on_request(req, peer)

    async def _ring(self, req: SipRequest, peer: Addr) -> None:
        tag = sip.new_tag()
        self._ringing[req.call_id] = (req, peer, tag)
        self.endpoint.reply(req, peer, 180, to_tag=tag)
        await asyncio.sleep(self.ring_s)  # a person walks to the monitor
        if self._ringing.pop(req.call_id, None) is None:
            return  # cancelled meanwhile
        choice = self.choose()
        self.calls.append(choice)
        if choice == "ignore":
            self._ringing[req.call_id] = (req, peer, tag)  # rings until anfang gives up
            return
        if choice == "decline":
            self.endpoint.reply(req, peer, 603, to_tag=tag)
            return
        host, port = self.endpoint.local
        contact = [
            ("Contact", f"<sip:{self.code}@{host}:{port}>"),
            ("Content-Type", "application/sdp"),
        ]
        self.endpoint.reply(req, peer, 200, to_tag=tag, headers=contact, body=SDP)
        if choice == "hold":
            return
        dialog = [
            ("From", f"{req.header('to')};tag={tag}"),
            ("To", req.header("from") or ""),
            ("Call-ID", req.call_id),
        ]
        uri = sip.parse_name_addr(req.header("contact") or f"<sip:anfang@{peer[0]}:{peer[1]}>").uri
        await asyncio.sleep(self.ring_s)  # a few words with the visitor
        if choice in ("unlock", "deny"):
            body = choice.encode()
            await self.endpoint.request(
                peer,
                "MESSAGE",
                uri,
                [*dialog, ("CSeq", "1 MESSAGE"), ("Content-Type", "text/plain")],
                body,
            )
        await asyncio.sleep(self.ring_s)
        await self.endpoint.request(peer, "BYE", uri, [*dialog, ("CSeq", "2 BYE")])


def demo_snapshot(seed: int = 0) -> bytes:
    """A small JPEG standing in for a door station's camera frame (blocking)."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    img = Image.new("RGB", (320, 240), (rng.randint(40, 90), rng.randint(60, 110), 120))
    draw = ImageDraw.Draw(img)
    draw.ellipse((120, 50, 200, 150), fill=(224, 190, 160))  # a visitor, roughly
    draw.rectangle((105, 150, 215, 240), fill=(rng.randint(0, 255), 60, 60))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=70)
    return buf.getvalue()
