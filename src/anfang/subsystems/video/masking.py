"""Faces and number plates masked in an export for publication (公共安全视频图像信息系统
管理条例: faces and plates are hidden before material is released to the public).

Each frame is decoded, faces are found with the face engine's detector (the model shipped
in ``anfang.face``), plates with a colour rule: Chinese plates are saturated blue, yellow or
green rectangles about 3:1 (GA 36), found in HSV and closed morphologically — no plate
*detector* ships with anfang (the car park's model reads a plate already cut out). Every
box is widened, held for a few frames (people move between detections) and pixelated
beyond recognition; the result is re-encoded as H.264. Runs in a worker process.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import queue as queues
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
from numpy.typing import NDArray

from anfang.core.processes import leave_interrupt_to_parent, start_held

Box = tuple[int, int, int, int]  # left, top, right, bottom
DETECT_EVERY = 3  # frames between detections; boxes are held in between
HOLD = 2 * DETECT_EVERY
PAD = 0.25
REPORT_EVERY = 25  # frames between progress reports to the parent
# HSV ranges (OpenCV: H 0-179) of blue, yellow and new-energy green plates.
PLATE_COLOURS = (
    ((100, 90, 60), (124, 255, 255)),
    ((15, 90, 90), (34, 255, 255)),
    ((35, 40, 90), (85, 255, 255)),
)


@dataclass(frozen=True, slots=True)
class Masked:
    """What a masking pass did."""

    frames: int
    faces: int  # detections over all frames looked at
    plates: int


def plate_boxes(bgr: NDArray[np.uint8]) -> list[Box]:
    """Plate-like regions: a saturated plate colour, a rectangle of 2:1 to 6:1, not tiny."""
    h, w = bgr.shape[:2]
    hsv = cv2.cvtColor(bgr, cv2.COLOR_BGR2HSV)
    out: list[Box] = []
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, w // 80), max(3, h // 160)))
    for lo, hi in PLATE_COLOURS:
        mask = cv2.inRange(hsv, np.array(lo, np.uint8), np.array(hi, np.uint8))
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for c in contours:
            x, y, bw, bh = cv2.boundingRect(c)
            fill = cv2.contourArea(c) / max(1, bw * bh)
            if (
                bh
                and 2.0 <= bw / bh <= 6.0
                and bw * bh >= 0.0004 * w * h
                and bw < 0.6 * w
                and fill > 0.5
            ):
                out.append((x, y, x + bw, y + bh))
    return out


def _pad(box: Box, w: int, h: int) -> Box:
    x0, y0, x1, y1 = box
    dx, dy = int((x1 - x0) * PAD), int((y1 - y0) * PAD)
    return max(0, x0 - dx), max(0, y0 - dy), min(w, x1 + dx), min(h, y1 + dy)


def pixelate(rgb: NDArray[np.uint8], boxes: list[Box]) -> None:
    """Replace each box by blocks of about 16 pixels of their average colour, in place."""
    for x0, y0, x1, y1 in boxes:
        region = rgb[y0:y1, x0:x1]
        if region.size == 0:
            continue
        w, h = x1 - x0, y1 - y0
        small = cv2.resize(region, (max(1, w // 16), max(1, h // 16)), interpolation=cv2.INTER_AREA)
        rgb[y0:y1, x0:x1] = cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)


def mask_file(src: Path, dest: Path, engine: str = "mobilefacenet") -> Masked:
    """Write ``src`` with faces and plates pixelated to ``dest`` (H.264, same rate)."""
    from anfang.face.engine import _BACKENDS, load_models  # the worker loads the model itself

    load_models(engine)
    detector = _BACKENDS[engine]
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".part")
    held: list[tuple[Box, int]] = []
    frames = faces = plates = 0
    try:
        with (
            av.open(str(src)) as inp,
            av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as out,
        ):
            vin = inp.streams.video[0]
            vout = out.add_stream("libx264", rate=vin.average_rate or 25)
            vout.width, vout.height, vout.pix_fmt = (
                vin.codec_context.width,
                vin.codec_context.height,
                "yuv420p",
            )
            vout.options = {"crf": "23", "preset": "veryfast"}
            # The input's own time base: an export across a hole averages a rate of, say,
            # 20.5 fps, and a 1/rate time base would give neighbouring frames one timestamp.
            if vin.time_base is not None:
                vout.codec_context.time_base = vin.time_base
                vout.time_base = vin.time_base
            total = _frames_in(vin)
            for frame in inp.decode(vin):
                if frames % REPORT_EVERY == 0 and _reports is not None:
                    _reports.put(("progress", frames, total))
                rgb: NDArray[np.uint8] = np.ascontiguousarray(
                    frame.to_ndarray(format="rgb24"), np.uint8
                )
                h, w = rgb.shape[:2]
                if frames % DETECT_EVERY == 0:
                    found, _ = detector.faces(rgb, 0, tiles=None, liveness=False)
                    boxes = [f.box for f in found]
                    bgr: NDArray[np.uint8] = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR).astype(np.uint8)
                    pboxes = plate_boxes(bgr)
                    faces, plates = faces + len(boxes), plates + len(pboxes)
                    held = [(bx, n - 1) for bx, n in held if n > 1] + [
                        (_pad(bx, w, h), HOLD) for bx in [*boxes, *pboxes]
                    ]
                pixelate(rgb, [bx for bx, _ in held])
                new = av.VideoFrame.from_ndarray(rgb, format="rgb24")
                new.pts, new.time_base = frame.pts, frame.time_base
                for packet in vout.encode(new):
                    out.mux(packet)
                frames += 1
            for packet in vout.encode():
                out.mux(packet)
        tmp.replace(dest)
    finally:
        tmp.unlink(missing_ok=True)
    return Masked(frames, faces, plates)


def _frames_in(stream: av.video.stream.VideoStream) -> int:
    """The stream's frame count, from its header or its duration (0: unknown)."""
    if stream.frames:
        return int(stream.frames)
    if stream.duration and stream.time_base and stream.average_rate:
        return int(stream.duration * stream.time_base * stream.average_rate)
    return 0


def _work(src: Path, dest: Path, engine: str, out: Any) -> None:
    """The worker process: mask, then send ``("done", Masked)`` or ``("error", text)``."""
    global _reports
    leave_interrupt_to_parent()
    _reports = out
    try:
        out.put(("done", mask_file(src, dest, engine)))
    except Exception as exc:  # the parent reports it on the export's row
        out.put(("error", f"{type(exc).__name__}: {exc}"))


_reports: Any = None  # in the worker: where its progress goes, as ("progress", done, total)


async def mask_in_worker(
    src: Path, dest: Path, engine: str, report: Callable[[int, int], None]
) -> Masked:
    """:func:`mask_file` in a spawned process (the platform has threads), with
    ``report(done, total)`` about twice a second. Cancelling stops the process at once; a
    process that dies without an answer raises :class:`RuntimeError`."""
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(target=_work, args=(src, dest, engine, out), name="anfang-mask", daemon=True)
    await asyncio.to_thread(start_held, proc)
    try:
        while True:
            alive = proc.is_alive()  # asked first: all a dead process sent is in the pipe
            answer = _drain(out, report)
            if answer is not None:
                kind, value = answer
                if kind == "error":
                    raise RuntimeError(f"masking failed: {value}")
                assert isinstance(value, Masked)
                return value
            if not alive:
                raise RuntimeError(f"the masking process ended with code {proc.exitcode}")
            await asyncio.sleep(0.5)
    except BaseException:
        proc.terminate()  # cancelled (the platform stops) or failed: no work left behind
        raise
    finally:
        await asyncio.to_thread(proc.join, 5)
        if proc.is_alive():
            proc.kill()
        out.close()


def _drain(out: Any, report: Callable[[int, int], None]) -> tuple[str, object] | None:
    """Pass on the latest progress waiting in ``out``; the final answer if it has come."""
    latest = None
    while True:
        try:
            msg = out.get_nowait()
        except queues.Empty:
            break
        if msg[0] == "progress":
            latest = msg[1:]
        else:
            if latest is not None:
                report(*latest)
            return msg[0], msg[1]
    if latest is not None:
        report(*latest)
    return None
