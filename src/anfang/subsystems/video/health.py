"""Video health: tamper, occlusion and defocus on the sub stream, about one frame a second.

:func:`assess` is a pure function of a small grey frame and a reference frame;
:class:`HealthTracker` adds hysteresis (a condition must hold for a few samples to raise
and be gone for a few to restore) and keeps the reference up to date while the picture
is healthy. :func:`watch` is the worker driver: it decodes only keyframes of the sub
stream (the cheapest way to sample it) in its own process and reports transitions.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from anfang.core.processes import leave_interrupt_to_parent, start_held

Gray = npt.NDArray[np.uint8]
SIZE = (160, 120)
CONDITIONS = ("occlusion", "defocus", "shift")


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Limits of a healthy picture (grey levels 0-255 on a 160×120 frame)."""

    dark_mean: float = 25.0  # darker than this on average: covered or blinded
    flat_std: float = 12.0  # this little contrast: sprayed, taped, a hand over the lens
    sharp_ratio: float = 0.25  # Laplacian variance below this share of the reference's
    min_sharpness: float = 15.0  # a reference flatter than this says nothing about focus
    shift_corr: float = 0.5  # correlation with the reference below this: turned away


@dataclass(frozen=True, slots=True)
class Assessment:
    """What one frame shows, and the measures behind it."""

    occlusion: bool
    defocus: bool
    shift: bool
    mean: float
    std: float
    sharpness: float
    corr: float

    def conditions(self) -> set[str]:
        """The names of the conditions present."""
        return {n for n in CONDITIONS if getattr(self, n)}


def prepare(frame: npt.NDArray[Any]) -> Gray:
    """A BGR or grey frame as 160×120 grey, the size every measure is tuned for."""
    if frame.dtype != np.uint8:
        frame = np.clip(frame, 0, 255).astype(np.uint8)
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
    return np.asarray(cv2.resize(gray, SIZE, interpolation=cv2.INTER_AREA), dtype=np.uint8)


def sharpness(gray: Gray) -> float:
    """The variance of the Laplacian: high for crisp edges, low when blurred."""
    return float(cv2.Laplacian(gray, cv2.CV_64F).var())


def correlation(a: Gray, b: Gray) -> float:
    """Zero-mean normalised cross-correlation of two frames, -1 to 1 (0 if either is flat)."""
    x = a.astype(np.float32) - float(a.mean())
    y = b.astype(np.float32) - float(b.mean())
    denom = float(np.sqrt((x * x).sum() * (y * y).sum()))
    return float((x * y).sum()) / denom if denom > 0 else 0.0


def assess(gray: Gray, reference: Gray | None, th: Thresholds = Thresholds()) -> Assessment:
    """Judge ``gray`` against the healthy ``reference`` (both from :func:`prepare`)."""
    mean, std = float(gray.mean()), float(gray.std())
    sharp = sharpness(gray)
    occlusion = mean < th.dark_mean or std < th.flat_std
    defocus = shift = False
    corr = 1.0
    if reference is not None and not occlusion:
        ref_sharp = sharpness(reference)
        defocus = ref_sharp >= th.min_sharpness and sharp < th.sharp_ratio * ref_sharp
        # Normalised correlation ignores lighting (gain, offset) but not a different view.
        corr = correlation(gray, reference)
        shift = corr < th.shift_corr and not defocus
    return Assessment(occlusion, defocus, shift, mean, std, sharp, corr)


@dataclass
class HealthTracker:
    """Hysteresis over assessments; returns ``(condition, raised)`` transitions."""

    raise_after: int = 3
    clear_after: int = 3
    learn_rate: float = 0.05
    thresholds: Thresholds = field(default_factory=Thresholds)
    reference: Gray | None = None
    active: set[str] = field(default_factory=set)
    _seen: dict[str, int] = field(default_factory=dict)
    _gone: dict[str, int] = field(default_factory=dict)

    def update(self, gray: Gray) -> list[tuple[str, bool]]:
        """Take one frame; the conditions that were raised or restored by it."""
        a = assess(gray, self.reference, self.thresholds)
        present = a.conditions()
        changes: list[tuple[str, bool]] = []
        for name in CONDITIONS:
            if name in present:
                self._gone[name] = 0
                self._seen[name] = self._seen.get(name, 0) + 1
                if name not in self.active and self._seen[name] >= self.raise_after:
                    self.active.add(name)
                    changes.append((name, True))
            else:
                self._seen[name] = 0
                self._gone[name] = self._gone.get(name, 0) + 1
                if name in self.active and self._gone[name] >= self.clear_after:
                    self.active.discard(name)
                    changes.append((name, False))
        if not present and not self.active:
            self._learn(gray)
        return changes

    def _learn(self, gray: Gray) -> None:
        # Follow slow changes (daylight) only while healthy, so a tamper never becomes normal.
        if self.reference is None:
            self.reference = gray.copy()
        else:
            mixed = cv2.addWeighted(self.reference, 1 - self.learn_rate, gray, self.learn_rate, 0.0)
            self.reference = np.asarray(mixed, dtype=np.uint8)


def sample_frames(
    url: str, every_s: float = 1.0, stop: Callable[[], bool] = lambda: False
) -> Iterator[Gray]:
    """Grey frames of ``url`` at most one per ``every_s``, decoding keyframes only (blocking)."""
    import av

    with av.open(url, options={"rtsp_transport": "tcp"}, timeout=(5.0, 5.0)) as src:
        stream = src.streams.video[0]
        stream.codec_context.skip_frame = "NONKEY"
        last = 0.0
        for frame in src.decode(stream):
            if stop():
                return
            now = time.monotonic()
            if now - last < every_s:
                continue
            last = now
            yield prepare(np.asarray(frame.to_ndarray(format="gray"), dtype=np.uint8))


def watch(
    url: str,
    report: Callable[[str, bool], None],
    *,
    every_s: float = 1.0,
    tracker: HealthTracker | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> None:
    """Sample ``url`` and call ``report(condition, raised)`` on each change (blocking)."""
    tracker = tracker or HealthTracker()
    for gray in sample_frames(url, every_s, stop):
        for name, raised in tracker.update(gray):
            report(name, raised)


def _worker(code: str, url: str, out: Any, stop: Any, every_s: float) -> None:
    """A worker process's body: watch with reconnect, report ``(code, condition, raised)``.

    ``stop`` is a shared byte, not an Event: setting a multiprocessing Event waits for every
    process asleep on it to wake, and one terminated while asleep (a camera's URL changed)
    never does — the platform's stop hung there."""
    import av

    leave_interrupt_to_parent()
    tracker = HealthTracker()
    backoff = 1.0

    def stopping() -> bool:
        return bool(stop.value)

    while not stopping():
        try:
            watch(
                url,
                lambda n, r: out.put((code, n, r)),
                every_s=every_s,
                tracker=tracker,
                stop=stopping,
            )
            backoff = 1.0
        except (av.error.FFmpegError, OSError, IndexError):
            pass  # losing the stream is the recorder's video.loss, not a tamper
        until = time.monotonic() + backoff
        while time.monotonic() < until:
            if stopping():
                return
            time.sleep(0.2)
        backoff = min(backoff * 2, 30.0)


class HealthSupervisor:
    """One analysis process per camera; reports transitions to ``on_change`` (on the loop)."""

    def __init__(
        self, on_change: Callable[[str, str, bool], Coroutine[Any, Any, None]], every_s: float = 1.0
    ) -> None:
        self.on_change = on_change
        self.every_s = every_s
        self._mp = mp.get_context("spawn")
        self._queue: Any = self._mp.Queue()
        self._stop = self._mp.RawValue("b", 0)  # see _worker: never a blocking Event
        self.workers: dict[str, tuple[str, Any]] = {}
        self._reader: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def sync(self, cameras: dict[str, str]) -> None:
        """Run exactly one worker per ``code → sub stream URL`` given (call on the loop)."""
        self._loop = asyncio.get_running_loop()
        for code in [c for c in self.workers if cameras.get(c) != self.workers[c][0]]:
            _, proc = self.workers.pop(code)
            proc.terminate()  # our own child; its state is only a tracker
        for code, url in cameras.items():
            if code not in self.workers:
                proc = self._mp.Process(
                    target=_worker,
                    args=(code, url, self._queue, self._stop, self.every_s),
                    name=f"video-health-{code}",
                    daemon=True,
                )
                start_held(proc)
                self.workers[code] = (url, proc)
        if self.workers and self._reader is None:
            self._reader = threading.Thread(target=self._read, name="video-health", daemon=True)
            self._reader.start()

    def _read(self) -> None:
        while True:
            item = self._queue.get()
            if item is None or self._loop is None:
                return
            self._loop.call_soon_threadsafe(self._dispatch, *item)

    def _dispatch(self, code: str, condition: str, raised: bool) -> None:
        task = asyncio.get_running_loop().create_task(self.on_change(code, condition, raised))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        """Stop every worker and the reader."""
        self._stop.value = 1
        procs = [p for _, p in self.workers.values()]
        self.workers.clear()
        await asyncio.gather(*(asyncio.to_thread(p.join, 3.0) for p in procs))
        for p in procs:
            if p.is_alive():
                p.terminate()
        if self._reader is not None:
            self._queue.put(None)
            await asyncio.to_thread(self._reader.join, 3.0)
