"""Live view: one upstream connection per camera stream, remuxed to fragmented MP4, fanned out.

A :class:`Relay` reads the camera (PyAV, in a thread: demuxing and muxing release the GIL
for the I/O and are copies, not decodes) and cuts one MP4 fragment per frame, so a
browser's Media Source plays it with a frame of delay. Clients join on a keyframe; a
client that falls behind is dropped back to the next keyframe rather than slowing the
others. The relay stops a little after its last viewer leaves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import av
from prometheus_client import Counter, Gauge, Histogram

from anfang.subsystems.video.adapters.rtsp import redact_text
from anfang.subsystems.video.playback import codec_mime

log = logging.getLogger(__name__)

LIVE_LATENCY = Histogram(
    "anfang_video_live_latency_seconds",
    "Packet received from the camera to fragment handed to the viewer's socket",
    buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0),
)
RELAYS = Gauge("anfang_video_live_relays", "Running live relays")
VIEWERS = Gauge("anfang_video_live_viewers", "Connected live viewers")
DROPPED = Counter("anfang_video_live_dropped_total", "Fragments a slow viewer skipped")
UPSTREAM_ERRORS = Counter("anfang_video_live_upstream_errors_total", "Camera reads that failed")

LIVE_MOVFLAGS = {"movflags": "empty_moov+default_base_moof+frag_every_frame"}
OPEN_OPTIONS = {
    "rtsp_transport": "tcp",
    "fflags": "nobuffer",
    "flags": "low_delay",
    "analyzeduration": "500000",
    "probesize": "200000",
}


@dataclass(frozen=True, slots=True)
class Fragment:
    """One moof+mdat pair (or the init segment), when its packet arrived, and if it is a key."""

    data: bytes
    received: float
    key: bool
    init: bool = False


class BoxSplitter:
    """Cuts a byte stream of MP4 boxes into init (ftyp+moov) and moof+mdat fragments."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._pending = bytearray()  # boxes of a fragment not yet complete
        self.init = b""

    def feed(self, data: bytes) -> list[tuple[str, bytes]]:
        """Add bytes; return the completed pieces as ``("init"|"frag", bytes)``."""
        self._buf += data
        out: list[tuple[str, bytes]] = []
        while len(self._buf) >= 8:
            size = int.from_bytes(self._buf[:4], "big")
            kind = bytes(self._buf[4:8])
            if size == 1 and len(self._buf) >= 16:
                size = int.from_bytes(self._buf[8:16], "big")
            if size < 8 or len(self._buf) < size:
                break
            box = bytes(self._buf[:size])
            del self._buf[:size]
            self._pending += box
            if kind == b"moov":
                self.init = bytes(self._pending)
                out.append(("init", self.init))
                self._pending.clear()
            elif kind == b"mdat":
                out.append(("frag", bytes(self._pending)))
                self._pending.clear()
        return out


class Rebaser:
    """Keeps a camera's timestamps increasing: a jump back (or far ahead) re-bases the
    clock to continue one frame after the last packet, as MP4 requires."""

    def __init__(self, max_jump: int) -> None:
        self.max_jump = max_jump
        self.offset: int | None = None
        self.last = -1
        self.step = 1

    def __call__(self, dts: int, pts: int) -> tuple[int, int]:
        """The output ``(dts, pts)`` of a packet's input ``(dts, pts)``."""
        if self.offset is None:
            self.offset = -dts
        out = dts + self.offset
        if out <= self.last or out - self.last > self.max_jump:
            self.offset += self.last + self.step - out
            out = self.last + self.step
        elif self.last >= 0:
            self.step = out - self.last
        self.last = out
        return out, max(pts + self.offset, out)


class _Sink:
    """The file object the muxer writes to."""

    def __init__(self, on_bytes: Callable[[bytes], None]) -> None:
        self.on_bytes = on_bytes

    def write(self, data: bytes) -> int:
        self.on_bytes(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Nothing buffered here."""


@dataclass(eq=False)
class Viewer:
    """One browser connection: a bounded queue, and whether it is in step with keyframes."""

    queue: asyncio.Queue[Fragment] = field(default_factory=lambda: asyncio.Queue(maxsize=120))
    synced: bool = False
    mime: str = ""


class Relay:
    """One camera stream read once and shared by every viewer."""

    def __init__(self, key: str, url: str, linger_s: float = 5.0) -> None:
        self.key = key
        self.url = url
        self.linger_s = linger_s
        self.viewers: set[Viewer] = set()
        self.init: Fragment | None = None
        self.mime = ""
        self.error = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._idle_since: float | None = None

    @property
    def running(self) -> bool:
        """Whether the reading thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start reading (idempotent)."""
        if self.running:
            return
        self._loop = loop
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"live-{self.key}", daemon=True)
        self._thread.start()
        RELAYS.inc()

    def stop(self) -> None:
        """Ask the thread to finish (after its current read)."""
        self._stop.set()

    def join(self, timeout: float) -> None:
        """Wait for the thread (blocking)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def add(self) -> Viewer:
        """A new viewer; it starts with the next keyframe."""
        v = Viewer()
        self.viewers.add(v)
        self._idle_since = None
        VIEWERS.inc()
        return v

    def remove(self, v: Viewer) -> None:
        """Forget a viewer; the hub stops the relay once nobody watched for ``linger_s``."""
        if v in self.viewers:
            self.viewers.discard(v)
            VIEWERS.dec()
        if not self.viewers:
            self._idle_since = time.monotonic()

    def idle_for(self) -> float:
        """Seconds without viewers (0 while watched)."""
        return 0.0 if self._idle_since is None else time.monotonic() - self._idle_since

    # ----------------------------------------------------------- on the loop

    def _dispatch(self, frag: Fragment) -> None:
        if frag.init:
            self.init = frag
            self.mime = codec_mime(frag.data)
            for v in self.viewers:
                v.synced = False  # a new upstream session: start again from its init
            return
        for v in self.viewers:
            if not v.synced:
                if not frag.key or self.init is None:
                    continue
                v.synced = True
                _drain(v.queue)
                v.queue.put_nowait(self.init)
            try:
                v.queue.put_nowait(frag)
            except asyncio.QueueFull:
                DROPPED.inc()
                v.synced = False
                _drain(v.queue)

    # ----------------------------------------------------------- in the thread

    def _run(self) -> None:
        backoff = 0.5
        try:
            while not self._stop.is_set():
                try:
                    self._pump()
                    backoff = 0.5
                except (av.error.FFmpegError, OSError) as exc:
                    UPSTREAM_ERRORS.inc()
                    self.error = redact_text(str(exc))
                    log.info("live %s: %s; retrying in %.1f s", self.key, self.error, backoff)
                if self._stop.wait(backoff):
                    break
                backoff = min(backoff * 2, 10.0)
        finally:
            RELAYS.dec()

    def _pump(self) -> None:
        loop = self._loop
        assert loop is not None
        pending: deque[tuple[float, bool]] = deque()
        splitter = BoxSplitter()

        def on_bytes(data: bytes) -> None:
            for kind, piece in splitter.feed(data):
                if kind == "init":
                    frag = Fragment(piece, time.monotonic(), True, init=True)
                else:
                    received, key = pending.popleft() if pending else (time.monotonic(), False)
                    frag = Fragment(piece, received, key)
                loop.call_soon_threadsafe(self._dispatch, frag)

        with av.open(self.url, options=OPEN_OPTIONS, timeout=(5.0, 5.0)) as src:
            if not src.streams.video:
                raise OSError("the stream has no video")
            vin = src.streams.video[0]
            with av.open(_Sink(on_bytes), "w", format="mp4", options=LIVE_MOVFLAGS) as dst:
                vout = dst.add_stream_from_template(vin)
                tb = vin.time_base or Fraction(1, 90000)
                rebase = Rebaser(max_jump=int(5 / tb))
                started = False
                for pkt in src.demux(vin):
                    if self._stop.is_set():
                        break
                    if pkt.dts is None or pkt.pts is None:
                        continue
                    if not started:
                        if not pkt.is_keyframe:
                            continue  # start on a keyframe: earlier frames cannot decode
                        started = True
                    self.error = ""
                    pending.append((time.monotonic(), pkt.is_keyframe))
                    pkt.dts, pkt.pts = rebase(pkt.dts, pkt.pts)
                    pkt.stream = vout
                    dst.mux(pkt)


def _drain(q: asyncio.Queue[Fragment]) -> None:
    with contextlib.suppress(asyncio.QueueEmpty):
        while True:
            q.get_nowait()


class LiveHub:
    """The relays by camera and stream; stops the ones nobody watches."""

    def __init__(self, linger_s: float = 5.0) -> None:
        self.linger_s = linger_s
        self.relays: dict[str, Relay] = {}
        self._reaper: asyncio.Task[None] | None = None

    def join(self, key: str, url: str) -> tuple[Relay, Viewer]:
        """Watch ``key`` (started on ``url`` if nobody watches it yet)."""
        relay = self.relays.get(key)
        if relay is None or relay.url != url:
            if relay is not None:
                relay.stop()
            relay = self.relays[key] = Relay(key, url, self.linger_s)
        viewer = relay.add()
        relay.start(asyncio.get_running_loop())
        if self._reaper is None or self._reaper.done():
            self._reaper = asyncio.get_running_loop().create_task(self._reap())
        return relay, viewer

    async def _reap(self) -> None:
        while self.relays:
            await asyncio.sleep(min(1.0, self.linger_s / 2))
            for key, relay in list(self.relays.items()):
                if not relay.viewers and relay.idle_for() >= self.linger_s:
                    relay.stop()
                    del self.relays[key]

    async def stop(self) -> None:
        """Stop every relay and wait for their threads."""
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaper
        relays = list(self.relays.values())
        self.relays.clear()
        for r in relays:
            r.stop()
        for r in relays:
            await asyncio.to_thread(r.join, 6.0)
