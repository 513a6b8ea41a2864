"""bench/face (6) liveness and (7) small faces, on the default engine in this process.

Liveness: the LFW photos stand for live faces (they were taken of people, though by press
cameras, not gate terminals). The attacks are *simulated* re-captures made here: each
photo printed (lower contrast, a halftone pattern), held at a slant in front of a plain
wall, photographed again (blur, JPEG). No screen or real print was shown to a camera:
replay from a phone or monitor, real paper and masks were not tested.

Small faces: each photo is shrunk so that its face box is 60 px wide and pasted into a
grey 1920×1080 frame at a random place; found = a box overlapping it.
"""

from __future__ import annotations

import io
import random
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from anfang.face import engine
from anfang.face.imaging import ImageLimits
from anfang.face.reasons import FaceRefused

THRESHOLDS = (0.3, 0.5, 0.7, 0.9)


def recapture(rgb: np.ndarray, rng: random.Random) -> bytes:
    """A simulated photo of a printed photo (see the module docstring)."""
    import cv2

    h, w = rgb.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    dots = 0.93 + 0.07 * np.sin(xx * 1.3) * np.sin(yy * 1.3)
    photo = np.clip((rgb.astype(np.float32) * 0.75 + 40) * dots[..., None], 0, 255)
    frame_h, frame_w = 480, 640
    wall = np.full((frame_h, frame_w, 3), rng.randint(60, 200), np.uint8)
    s = rng.uniform(1.0, 1.6)
    pw, ph = int(w * s), int(h * s)
    x0, y0 = rng.randint(20, frame_w - pw - 20), rng.randint(20, frame_h - ph - 20)

    def j() -> float:
        return rng.uniform(-0.06, 0.06) * pw

    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    dst = np.array(
        [[x0 + j(), y0 + j()], [x0 + pw + j(), y0 + j()],
         [x0 + pw + j(), y0 + ph + j()], [x0 + j(), y0 + ph + j()]], dtype=np.float32,
    )  # fmt: skip
    m = cv2.getPerspectiveTransform(src, dst)
    out = cv2.warpPerspective(
        photo.astype(np.uint8), m, (frame_w, frame_h), dst=wall, borderMode=cv2.BORDER_TRANSPARENT
    )
    out = cv2.GaussianBlur(out, (3, 3), 0.8)
    buf = io.BytesIO()
    Image.fromarray(out).save(buf, "JPEG", quality=80)
    return buf.getvalue()


def _score(data: bytes, limits: ImageLimits) -> float | None:
    try:
        res = engine.analyse(data, limits, describe=1, liveness=True)
    except FaceRefused:
        return None
    return res.faces[0].liveness if res.faces else None


def liveness(paths: list[Path], limits: ImageLimits) -> dict[str, Any]:
    """Live-score distribution on photos and on their simulated re-captures."""
    rng = random.Random(5)
    live: list[float] = []
    attack: list[float] = []
    for p in paths:
        data = p.read_bytes()
        a = _score(data, limits)
        if a is not None:
            live.append(a)
        b = _score(recapture(np.asarray(Image.open(io.BytesIO(data)).convert("RGB")), rng), limits)
        if b is not None:
            attack.append(b)
    return {
        "photos": len(paths),
        "live_scored": len(live),
        "attacks_scored": len(attack),
        "table": [
            {
                "min_score": t,
                "live_accepted": float(np.mean(np.array(live) >= t)) if live else 0.0,
                "attacks_accepted": float(np.mean(np.array(attack) >= t)) if attack else 0.0,
            }
            for t in THRESHOLDS
        ],
    }


def small_faces(paths: list[Path], limits: ImageLimits, width: int = 60) -> dict[str, Any]:
    """How many ``width``-px faces in 1920×1080 frames are found, with and without tiles."""
    rng = random.Random(9)
    found = {"whole_frame": 0, "tiles": 0}
    tried = 0
    ms: list[float] = []
    for p in paths:
        data = p.read_bytes()
        first = engine.analyse(data, limits, describe=0)
        if not first.faces:
            continue
        box = first.faces[0].box
        img = Image.open(io.BytesIO(data)).convert("RGB")
        s = width / max(box[2] - box[0], 1)
        small = img.resize((max(int(img.width * s), 1), max(int(img.height * s), 1)))
        frame = Image.new("RGB", (1920, 1080), (118, 118, 118))
        x0, y0 = rng.randint(0, 1920 - small.width), rng.randint(0, 1080 - small.height)
        frame.paste(small, (x0, y0))
        cx, cy = x0 + (box[0] + box[2]) / 2 * s, y0 + (box[1] + box[3]) / 2 * s
        buf = io.BytesIO()
        frame.save(buf, "JPEG", quality=90)
        tried += 1
        for mode, tiles in (("whole_frame", False), ("tiles", None)):
            res = engine.analyse(buf.getvalue(), limits, describe=0, tiles=tiles)
            if tiles is None:
                ms.append(res.timings_ms.get("detect", 0.0))
            found[mode] += any(
                f.box[0] <= cx <= f.box[2] and f.box[1] <= cy <= f.box[3] for f in res.faces
            )
    return {
        "face_px": width,
        "frames": tried,
        "found_whole_frame": found["whole_frame"] / max(tried, 1),
        "found_with_tiles": found["tiles"] / max(tried, 1),
        "detect_ms_with_tiles": float(np.median(ms)) if ms else None,
    }
