"""The recorder's RTSP client: one asyncio connection per camera, RTP over TCP.

Why not FFmpeg's RTSP reader (through PyAV), which the recorder used first: for RTP over
TCP it makes three reads per RTP packet (the ``$`` byte, the 3-byte header, the packet),
each a ``poll`` and a ``recv`` system call, on one blocked thread per camera. At 64
cameras of 4 Mbit/s that was about 140,000 system calls and as many thread wake-ups a
second, and more CPU than one ``ffmpeg`` process per camera (bench/recording). Here one
event loop reads each connection in large chunks and parses it in place (``rtsp_wire``,
``rtp_h26x``). aiortsp, the asyncio RTSP library on PyPI, builds a parsed object per RTP
packet and is untyped; it would cost more than it saves.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import time
from collections.abc import Callable
from typing import cast
from urllib.parse import unquote, urlsplit, urlunsplit

from anfang.subsystems.video.adapters.rtp_h26x import Interleaved
from anfang.subsystems.video.adapters.rtsp_wire import (
    Credentials,
    Media,
    Response,
    RtspProtocolError,
    build_request,
    interleaved_channels,
    parse_challenges,
    parse_sdp,
    session_of,
)


class RtspError(Exception):
    """A request the camera refused (``status``) or that got no usable answer (None)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def split_credentials(url: str) -> tuple[str, Credentials | None]:
    """``url`` without ``user:password@`` and the credentials it held."""
    parts = urlsplit(url)
    if parts.username is None:
        return url, None
    netloc = parts.netloc.rsplit("@", 1)[1]
    clean = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return clean, Credentials(unquote(parts.username), unquote(parts.password or ""))


class RtspConnection(asyncio.Protocol):
    """One RTSP connection: requests with their answers, then interleaved RTP."""

    def __init__(self, url: str, credentials: Credentials | None, timeout: float) -> None:
        self.url = url
        self.credentials = credentials
        self.timeout = timeout
        self.transport: asyncio.Transport | None = None
        self.splitter = Interleaved(-1, _ignore)
        self._cseq = 0
        self._waiting: dict[int, asyncio.Future[Response]] = {}
        self.closed: asyncio.Future[BaseException | None] = (
            asyncio.get_running_loop().create_future()
        )
        self.session = ""
        self.session_timeout = 60.0
        self.last_data = time.monotonic()
        self.received = 0
        self.public: set[str] = set()
        self._keepalive: asyncio.Task[None] | None = None

    # ----------------------------------------------------------------- asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport."""
        # uvloop's transports do not subclass asyncio.Transport, but have its methods.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        """Split the bytes; answers resolve their requests."""
        self.last_data = time.monotonic()
        self.received += len(data)
        try:
            responses = self.splitter.feed(data)
            if self.splitter.skipped and not self.session:
                raise RtspProtocolError("camera did not answer in RTSP")
        except RtspProtocolError as exc:
            self._fail(exc)
            return
        for resp in responses:
            fut = self._waiting.pop(resp.cseq, None)
            if fut is not None and not fut.done():
                fut.set_result(resp)

    def connection_lost(self, exc: Exception | None) -> None:
        """Fail what waits and tell the owner."""
        self._fail(exc or ConnectionResetError("camera closed the connection"))

    def _fail(self, exc: BaseException) -> None:
        for fut in self._waiting.values():
            if not fut.done():
                fut.set_exception(
                    exc if isinstance(exc, RtspProtocolError) else RtspError(str(exc))
                )
        self._waiting.clear()
        if not self.closed.done():
            self.closed.set_result(exc)
        if self.transport is not None:
            self.transport.abort()

    # ----------------------------------------------------------------- requests

    def send(self, method: str, url: str, headers: dict[str, str] | None = None) -> int:
        """Send a request without waiting; returns its CSeq."""
        assert self.transport is not None
        self._cseq += 1
        hdrs = dict(headers or {})
        if self.session:
            hdrs["Session"] = self.session
        if self.credentials is not None:
            auth = self.credentials.header(method, url)
            if auth is not None:
                hdrs["Authorization"] = auth
        self.transport.write(build_request(method, url, self._cseq, hdrs))
        return self._cseq

    async def request(
        self, method: str, url: str, headers: dict[str, str] | None = None
    ) -> Response:
        """Send a request and wait for its answer; answers one auth challenge by itself."""
        for attempt in range(2):
            resp = await self._exchange(method, url, headers)
            if resp.status != 401 or attempt or self.credentials is None:
                break
            challenges = parse_challenges(resp.headers.get("www-authenticate", ""))
            if not challenges:
                break
            self.credentials.challenge = challenges[0]
        if resp.status == 401:
            raise RtspError("camera refused the user name or password (401)", 401)
        if resp.status >= 300:
            raise RtspError(f"{method} refused: {resp.status} {resp.reason}", resp.status)
        return resp

    async def _exchange(self, method: str, url: str, headers: dict[str, str] | None) -> Response:
        if self.closed.done():
            raise RtspError("connection closed")
        cseq = self.send(method, url, headers)
        fut: asyncio.Future[Response] = asyncio.get_running_loop().create_future()
        self._waiting[cseq] = fut
        try:
            async with asyncio.timeout(self.timeout):
                return await fut
        except TimeoutError:
            raise RtspError(f"no answer to {method} within {self.timeout:g} s") from None
        finally:
            self._waiting.pop(cseq, None)

    # ----------------------------------------------------------------- session

    async def start(
        self,
        pick: Callable[[list[Media]], Media],
        sink: Callable[[Media], Callable[[bytes], None]],
    ) -> Media:
        """DESCRIBE, SETUP the medium ``pick`` chooses, PLAY; returns the medium.

        ``sink(medium)`` gives the function that takes its RTP packets. It is set before
        PLAY: a camera starts sending with (even in the same read as) the PLAY answer.
        """
        with contextlib.suppress(RtspError):
            opts = await self.request("OPTIONS", self.url)
            self.public = {m.strip().upper() for m in opts.headers.get("public", "").split(",")}
        desc = await self.request("DESCRIBE", self.url, {"Accept": "application/sdp"})
        base = desc.headers.get("content-base") or desc.headers.get("content-location") or self.url
        try:
            media = parse_sdp(desc.body.decode("utf-8", "replace"), base)
        except RtspProtocolError as exc:
            raise RtspError(f"bad session description: {exc}") from exc
        chosen = pick(media)
        setup = await self.request(
            "SETUP", chosen.control, {"Transport": "RTP/AVP/TCP;unicast;interleaved=0-1"}
        )
        self.session, timeout = session_of(setup.headers.get("session", ""))
        if timeout:
            self.session_timeout = timeout
        channels = interleaved_channels(setup.headers.get("transport", ""))
        self.splitter.channel = channels[0] if channels else 0
        self.splitter.on_packet = sink(chosen)
        await self.request("PLAY", base, {"Range": "npt=0.000-"})
        self._keepalive = asyncio.create_task(self._keep_alive(base))
        return chosen

    async def _keep_alive(self, url: str) -> None:
        # Answers arrive in the data stream and are matched by CSeq; none is awaited, so
        # a camera that never answers keep-alives costs nothing (its data is what counts).
        method = "GET_PARAMETER" if "GET_PARAMETER" in self.public else "OPTIONS"
        while True:
            await asyncio.sleep(max(1.0, self.session_timeout / 2))
            self.send(method, url)

    def set_low_water(self, nbytes: int) -> None:
        """Wake the loop only once ``nbytes`` are waiting (fewer, larger reads)."""
        sock = self.transport.get_extra_info("socket") if self.transport else None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, max(1, nbytes))

    async def close(self) -> None:
        """TEARDOWN (without waiting long) and close."""
        if self._keepalive is not None:
            self._keepalive.cancel()
        if self.transport is not None and not self.closed.done():
            with contextlib.suppress(Exception):
                if self.session:
                    self.send("TEARDOWN", self.url)
            self.transport.close()
        if not self.closed.done():
            self.closed.set_result(None)


async def connect(url: str, wait: float) -> RtspConnection:
    """Connect (TCP, or TLS for ``rtsps``) to a camera URL with credentials; ``wait`` bounds
    connecting and every answer."""
    clean, creds = split_credentials(url)
    parts = urlsplit(clean)
    tls: ssl.SSLContext | None = None
    if parts.scheme == "rtsps":
        # Cameras carry self-signed certificates: TLS here keeps the stream from being
        # read on the way; it cannot prove the camera's identity (as with FFmpeg).
        tls = ssl.create_default_context()
        tls.check_hostname = False
        tls.verify_mode = ssl.CERT_NONE
    port = parts.port or (322 if tls else 554)
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(wait):
            _, conn = await loop.create_connection(
                lambda: RtspConnection(clean, creds, wait), parts.hostname or "", port, ssl=tls
            )
    except TimeoutError:
        raise RtspError(f"no connection within {wait:g} s") from None
    except OSError as exc:
        raise RtspError(f"cannot connect: {exc.strerror or exc}") from exc
    return conn


def _ignore(_: bytes) -> None:
    """Packets of no channel (before SETUP) are dropped."""
