"""A simulated GB/T 28181 upper platform: a SIP registrar with digest authentication that
queries the catalog, receives keepalives, alarm notifies and catalog notifies, and can
INVITE a channel and read the PS/RTP it gets back. It speaks SIP on a real socket (the
demo's police platform, and the benchmark's); the tests use SIPp as well.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from anfang.uplink.adapters import gb28181 as gb
from anfang.uplink.adapters.ps import Demuxer
from anfang.wire import digest, sip
from anfang.wire.sip import SipRequest
from anfang.wire.sip_udp import Addr, SipEndpoint


@dataclass
class Received:
    """What the simulated upper has seen."""

    registers: int = 0
    register_attempts: int = 0
    keepalives: int = 0
    alarms: list[tuple[float, gb.Query]] = field(default_factory=list)
    catalog: dict[str, list[gb.Query]] = field(default_factory=dict)
    notifies: list[gb.Query] = field(default_factory=list)
    answers: dict[str, list[gb.Query]] = field(default_factory=dict)


class SimUpper:
    """The upper platform; ``password`` is what lower platforms must answer the digest with."""

    def __init__(
        self, server_id: str, password: str, *, clock_offset_s: float = 0.0, answer: bool = True
    ) -> None:
        self.server_id = server_id
        self.realm = server_id[:10]
        self.password = password
        self.clock_offset_s = clock_offset_s
        self.answer = answer  # False: the upper is "down" (drops everything)
        self.seen = Received()
        self.lower: Addr | None = None
        self.lower_id = ""
        self.endpoint = SipEndpoint(self._on_request, part="sim-upper")
        self.on_alarm: Callable[[gb.Query], None] | None = None
        self._nonce = secrets.token_hex(8)
        self._sn = 0

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> Addr:
        """Listen; returns the address."""
        return await self.endpoint.open(host, port)

    async def stop(self) -> None:
        """Close."""
        await self.endpoint.close()

    async def _on_request(self, req: SipRequest, peer: Addr) -> None:
        ep = self.endpoint
        if not self.answer:
            return
        if req.method == "REGISTER":
            self._register(req, peer)
        elif req.method in ("MESSAGE", "NOTIFY"):
            try:
                q = gb.parse(req.body)
            except gb.ManscdpError:
                ep.reply(req, peer, 400)
                return
            ep.reply(req, peer, 200)
            self._take(q, req.method)
        elif req.method == "BYE":
            ep.reply(req, peer, 200)
        else:
            ep.reply(req, peer, 200)

    def _register(self, req: SipRequest, peer: Addr) -> None:
        ep = self.endpoint
        self.seen.register_attempts += 1
        auth = req.header("authorization")
        if not auth:
            challenge = f'Digest realm="{self.realm}", nonce="{self._nonce}", algorithm=MD5'
            ep.reply(req, peer, 401, headers=[("WWW-Authenticate", challenge)])
            return
        p = digest.parse_digest(auth)
        want = digest.digest_response(
            p.get("username", ""),
            p.get("realm", ""),
            self.password,
            "REGISTER",
            p.get("uri", ""),
            p.get("nonce", ""),
            qop=p.get("qop"),
            nc=p.get("nc", ""),
            cnonce=p.get("cnonce", ""),
        )
        if p.get("response") != want or p.get("nonce") != self._nonce:
            ep.reply(req, peer, 403)
            return
        self.seen.registers += 1
        expires = req.header("expires") or "3600"
        now = datetime.now(UTC).timestamp() + self.clock_offset_s
        date = gb.gb_time(datetime.fromtimestamp(now, UTC)) + ".000"
        headers = [("Date", date), ("Expires", expires)]
        ep.reply(req, peer, 200, headers=headers)
        if expires != "0":
            self.lower, self.lower_id = (
                peer,
                sip.uri_user(sip.parse_name_addr(req.header("from") or "").uri) or "",
            )

    def _take(self, q: gb.Query, method: str) -> None:
        if q.cmd_type == "Keepalive":
            self.seen.keepalives += 1
        elif q.cmd_type == "Alarm" and q.root == "Notify":
            self.seen.alarms.append((time.monotonic(), q))
            if self.on_alarm is not None:
                self.on_alarm(q)
        elif method == "NOTIFY":
            self.seen.notifies.append(q)
        else:
            self.seen.answers.setdefault(q.sn, []).append(q)

    async def query(
        self, cmd: str, device_id: str = "", extra: str = "", wait: float = 10.0
    ) -> list[gb.Query]:
        """Send a Query and gather the answers (all parts of a split one)."""
        assert self.lower is not None, "no lower platform registered"
        self._sn += 1
        sn = str(self._sn)
        body = gb.encode(
            f"<Query>\r\n<CmdType>{cmd}</CmdType>\r\n<SN>{sn}</SN>\r\n"
            f"<DeviceID>{device_id or self.lower_id}</DeviceID>\r\n{extra}</Query>\r\n",
            "GB2312",
        )
        await self.message(body)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            got = self.seen.answers.get(sn, [])
            if got:
                total = int(got[0].fields.get("SumNum", "1") or 1)
                items = sum(_num(g) for g in got)
                if cmd not in ("Catalog", "RecordInfo") or items >= total:
                    return got
            await asyncio.sleep(0.01)
        return self.seen.answers.get(sn, [])

    def _dialog(self, method: str, to_user: str) -> list[tuple[str, str]]:
        return [
            ("From", f"<sip:{self.server_id}@{self.realm}>;tag={sip.new_tag()}"),
            ("To", f"<sip:{to_user}@{self.realm}>"),
            ("Call-ID", f"{sip.new_tag()}@sim-upper"),
            ("CSeq", f"1 {method}"),
        ]

    async def message(self, body: bytes) -> int:
        """Send a MESSAGE to the lower platform; its status."""
        assert self.lower is not None
        uri = f"sip:{self.lower_id}@{self.lower[0]}:{self.lower[1]}"
        headers = [
            *self._dialog("MESSAGE", self.lower_id),
            ("Content-Type", "Application/MANSCDP+xml"),
        ]
        resp = await self.endpoint.request(self.lower, "MESSAGE", uri, headers, body)
        return resp.status

    async def subscribe_catalog(self, expires: int = 600) -> int:
        """SUBSCRIBE to catalog changes; the status."""
        assert self.lower is not None
        host, port = self.endpoint.local
        uri = f"sip:{self.lower_id}@{self.lower[0]}:{self.lower[1]}"
        headers = [
            *self._dialog("SUBSCRIBE", self.lower_id),
            ("Event", "Catalog;id=1"),
            ("Expires", str(expires)),
            ("Contact", f"<sip:{self.server_id}@{host}:{port}>"),
        ]
        resp = await self.endpoint.request(self.lower, "SUBSCRIBE", uri, headers)
        return resp.status

    async def play(
        self,
        channel: str,
        seconds: float,
        *,
        tcp: bool = False,
        connect: bool = False,
        playback: tuple[int, int] | None = None,
        frames: int | None = None,
    ) -> Demuxer:
        """INVITE ``channel`` (live, or the recorded ``playback`` range in Unix seconds),
        receive for ``seconds``, BYE; the frames. Over TCP the upper listens, or with
        ``connect`` it connects to the lower platform (``a=setup:active``). With ``frames``
        it hangs up as soon as that many frames arrived (``seconds`` then bounds the wait)."""
        assert self.lower is not None
        demux = Demuxer()
        loop = asyncio.get_running_loop()
        host = self.endpoint.local[0]
        server: asyncio.Server | None = None
        udp: asyncio.DatagramTransport | None = None
        if tcp and connect:
            port = 9
        elif tcp:

            async def on_conn(reader: asyncio.StreamReader, _: asyncio.StreamWriter) -> None:
                while data := await reader.read(65536):
                    demux.feed_tcp(data)

            server = await asyncio.start_server(on_conn, host, 0)
            port = server.sockets[0].getsockname()[1]
        else:
            udp, _ = await loop.create_datagram_endpoint(lambda: _Rtp(demux), local_addr=(host, 0))
            port = udp.get_extra_info("sockname")[1]
        session, times = (
            ("Playback", f"{playback[0]} {playback[1]}") if playback else ("Play", "0 0")
        )
        setup = "active" if connect else "passive"
        sdp = (
            f"v=0\r\no={self.server_id} 0 0 IN IP4 {host}\r\ns={session}\r\n"
            f"c=IN IP4 {host}\r\nt={times}\r\n"
            f"m=video {port} {'TCP/RTP/AVP' if tcp else 'RTP/AVP'} 96\r\n"
            f"a=recvonly\r\na=rtpmap:96 PS/90000\r\n"
            + (f"a=setup:{setup}\r\na=connection:new\r\n" if tcp else "")
            + ("y=1000000001\r\n" if playback else "y=0100000001\r\n")
        ).encode()
        uri = f"sip:{channel}@{self.lower[0]}:{self.lower[1]}"
        headers = [
            *self._dialog("INVITE", channel),
            ("Content-Type", "application/sdp"),
            ("Contact", f"<sip:{self.server_id}@{host}:{self.endpoint.local[1]}>"),
        ]
        try:
            resp = await self.endpoint.request(self.lower, "INVITE", uri, headers, sdp)
            if resp.status != 200:
                raise RuntimeError(f"INVITE answered {resp.status} {resp.reason}")
            reader_task = None
            if tcp and connect:  # connect to the port the answer gives
                answer = resp.body.decode()
                their = int(
                    next(ln.split()[1] for ln in answer.splitlines() if ln.startswith("m="))
                )
                reader, writer = await asyncio.open_connection(self.lower[0], their)

                async def read() -> None:
                    while data := await reader.read(65536):
                        demux.feed_tcp(data)

                reader_task = asyncio.create_task(read())
            deadline = loop.time() + seconds
            while loop.time() < deadline and not (frames and len(demux.frames) >= frames):  # noqa: ASYNC110 (frames arrive in callbacks)
                await asyncio.sleep(0.05)
            if reader_task is not None:
                reader_task.cancel()
                writer.close()
            bye = [(k, v) for k, v in headers if k in ("From", "Call-ID")]
            bye += [("To", resp.header("to") or ""), ("CSeq", "2 BYE")]
            with contextlib.suppress(TimeoutError):
                await self.endpoint.request(self.lower, "BYE", uri, bye, give_up_s=4.0)
        finally:
            if udp is not None:
                udp.close()
            if server is not None:
                server.close()
        return demux


class _Rtp(asyncio.DatagramProtocol):
    def __init__(self, demux: Demuxer) -> None:
        self.demux = demux

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        self.demux.feed(data)


def _num(q: gb.Query) -> int:
    """How many items a Catalog / RecordInfo part carries."""
    return len(q.items)
