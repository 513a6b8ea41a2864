"""The recording worker process: one thread per camera, remuxing its main stream.

It runs outside the platform's process and event loop. The platform sends it the set of
cameras to record (``{"op": "set", "cameras": [...]}``) and ``{"op": "stop"}``; the worker
reports back, as plain dicts on the same pipe: ``state`` (connecting, recording,
unauthorized, unreachable, unsupported, lost, disk_full, storage_error), ``segment`` (a
complete file) and ``gap_open`` / ``gap_close``. A camera's failure never touches the
others: each thread catches everything, backs off exponentially and tries again.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import av

from anfang.subsystems.video.adapters.rtsp import (
    RECORDABLE,
    StreamFailure,
    classify_open_error,
    classify_write_error,
    open_options,
    redact_text,
    with_credentials,
)
from anfang.subsystems.video.segmenter import SegmentDone, Segmenter

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    """The current time, timezone-aware (the worker stays lean: no database imports)."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class CameraJob:
    """What the worker needs to record one camera; credentials join the URL only here."""

    id: int
    url: str
    segment_seconds: float
    username: str | None = None
    password: str | None = None
    read_timeout: float = 5.0
    backoff_max: float = 30.0


class Reporter:
    """Sends reports to the platform; one lock, as many threads share the pipe."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.lock = threading.Lock()

    def send(self, msg: dict[str, Any]) -> None:
        """Send one report (dropped if the platform has gone)."""
        with self.lock, contextlib.suppress(OSError, EOFError):
            self.conn.send(msg)


class CameraThread(threading.Thread):
    """Records one camera until told to stop, reconnecting with exponential backoff."""

    def __init__(self, job: CameraJob, root: Path, report: Reporter) -> None:
        super().__init__(name=f"camera-{job.id}", daemon=True)
        self.job = job
        self.root = root
        self.report = report
        self.stopping = threading.Event()
        self.state = ""
        self.error = ""
        self.gap_open = False
        self.last_end: datetime | None = None

    def _state(self, state: str, error: str = "", **extra: Any) -> None:
        # Only changes are reported: a camera that stays unreachable costs no writes.
        if (state, error) != (self.state, self.error) and not (
            state == "connecting" and self.state != "recording" and self.state
        ):
            self.state, self.error = state, error
            self.report.send(
                {"t": "state", "cam": self.job.id, "state": state, "error": error, **extra}
            )

    def _gap(self, start: datetime, reason: str) -> None:
        if not self.gap_open:
            self.gap_open = True
            self.report.send(
                {"t": "gap_open", "cam": self.job.id, "start": start, "reason": reason}
            )

    def run(self) -> None:
        """Connect, record, and on any failure wait and try again."""
        backoff = 1.0
        last_seen = utcnow()
        while not self.stopping.is_set():
            self._state("connecting")
            try:
                failure, last_seen = self._record_once(last_seen)
            except Exception as exc:
                log.exception("camera %s: unexpected error", self.job.id)
                failure = StreamFailure("lost", redact_text(str(exc)))
            if self.stopping.is_set():
                break
            if failure.state == "recording":  # it recorded and then the stream ended
                backoff = 1.0
                failure = StreamFailure("lost", failure.message)
            self._gap(last_seen, failure.state)
            self._state(failure.state, failure.message)
            wait = self.job.backoff_max if failure.state == "unsupported" else backoff
            self.stopping.wait(wait)
            backoff = min(backoff * 2, self.job.backoff_max)
        self._state("stopped")

    def _record_once(self, last_seen: datetime) -> tuple[StreamFailure, datetime]:
        try:
            url = with_credentials(self.job.url, self.job.username, self.job.password)
            container = av.open(url, **open_options(self.job.read_timeout))
        except Exception as exc:
            return classify_open_error(exc), last_seen
        try:
            if not container.streams.video:
                return StreamFailure("unsupported", "stream has no video"), last_seen
            stream = container.streams.video[0]
            codec = stream.codec_context.name
            if codec not in RECORDABLE:
                return StreamFailure(
                    "unsupported", f"codec {codec} is not recorded (H.264/H.265 only)"
                ), last_seen
            return self._remux(container, stream, codec, last_seen)
        finally:
            container.close()

    def _remux(
        self, container: Any, stream: Any, codec: str, last_seen: datetime
    ) -> tuple[StreamFailure, datetime]:
        seg = Segmenter(
            self.root, self.job.id, stream, self.job.segment_seconds, codec, self.last_end
        )
        result = StreamFailure("recording", "stream ended")
        recording = False
        try:
            stopping = self.stopping.is_set
            for n, pkt in enumerate(container.demux(stream)):
                # The hot loop of every camera: keep it to the packet and rare checks.
                done = seg.push(pkt)
                if done is not None:
                    self._segment(done, seg.take_dropped())
                    last_seen = done.end
                if n % 16 == 0:
                    if stopping():
                        break
                    if not recording and seg.started_at is not None:
                        recording = True
                        if self.gap_open:  # the gap ends where the first segment begins
                            self.gap_open = False
                            end = seg.started_at
                            self.report.send({"t": "gap_close", "cam": self.job.id, "end": end})
                        self._state("recording", codec=codec)
                    last_seen = utcnow()
        except av.error.FFmpegError as exc:
            if isinstance(exc, OSError) and _is_write_error(exc):
                result = classify_write_error(exc)
            else:
                result = StreamFailure("lost", f"stream lost: {redact_text(str(exc))}")
        except OSError as exc:
            result = classify_write_error(exc)
        for done in seg.close():
            self._segment(done, seg.take_dropped())
            last_seen = done.end  # a gap that follows starts where this segment ends
        if seg.close_error is not None:
            result = classify_write_error(seg.close_error)
        return result, last_seen

    def _segment(self, done: SegmentDone, dropped: int) -> None:
        self.last_end = done.end
        self.report.send(
            {
                "t": "segment",
                "cam": done.camera_id,
                "start": done.start,
                "end": done.end,
                "bytes": done.bytes,
                "path": done.path,
                "codec": done.codec,
                "dropped": dropped,
            }
        )


def _is_write_error(exc: BaseException) -> bool:
    name = getattr(exc, "filename", "") or ""
    return str(name).endswith(".part")


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``python -m anfang.subsystems.video.worker FD ROOT``.

    The recorder starts the worker as a fresh interpreter that imports only this module
    (and PyAV): a ``multiprocessing`` spawn would re-import the parent's main module and
    everything it loaded, several times the memory.
    """
    args = argv if argv is not None else sys.argv[1:]
    # Ctrl-C reaches the whole process group: the platform stops us in order instead
    # (open segments finished and indexed). SIGTERM alone (a service manager) does the same.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _terminate)
    run(Connection(int(args[0])), args[1])


class _Terminate(Exception):
    """Raised in the main thread by SIGTERM: stop as if told to."""


def _terminate(signum: int, frame: object) -> None:
    raise _Terminate


def run(conn: Connection, root: str) -> None:
    """The worker process's entry point: obey commands until ``stop`` or the pipe closes."""
    logging.basicConfig(level=logging.WARNING)
    av.logging.set_level(av.logging.FATAL)
    report = Reporter(conn)
    threads: dict[int, CameraThread] = {}
    jobs: dict[int, CameraJob] = {}
    base = Path(root)
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError, _Terminate):
            break
        if msg.get("op") == "stop":
            break
        if msg.get("op") == "set":
            wanted = {j["id"]: CameraJob(**j) for j in msg["cameras"]}
            for cid, th in list(threads.items()):
                if wanted.get(cid) != jobs.get(cid):
                    th.stopping.set()
                    th.join()
                    del threads[cid], jobs[cid]
            for cid, job in wanted.items():
                if cid not in threads:
                    threads[cid] = CameraThread(job, base, report)
                    jobs[cid] = job
                    threads[cid].start()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # stopping already
    for th in threads.values():
        th.stopping.set()
    deadline = time.monotonic() + 15
    for th in threads.values():
        th.join(max(0.1, deadline - time.monotonic()))
    report.send({"t": "bye"})


if __name__ == "__main__":
    main()
