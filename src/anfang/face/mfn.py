"""The default face engine: the ONNX models of ``anfang/face/onnx`` (NOTICE.md there) run
in OpenCV's DNN module, one thread per worker process.

Detection is an UltraFace-type network at 320×240; large frames are also searched in
tiles so that a face 60 px wide in a 1920×1080 capture is still found (the whole frame
shrunk to 320×240 leaves it 10 px, under the detector's smallest anchors). 68 landmarks
from a 64×64 grey crop give five points (eye centres, nose tip, mouth corners) that a
similarity transform maps to the 112×112 ArcFace template; the embedding is 512-d,
compared by cosine. OpenCV's DNN runs the embedding ~10×
faster than onnxruntime at its default optimisation level on one core (FIELD-NOTES), so
onnxruntime is not used.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from numpy.typing import NDArray

from anfang.face import modelfiles, quality
from anfang.face.faces import FaceInfo, Timings

MODEL_ID = "faceplugin-mfn-v1"
DIM = 512
DETECT_SIZE = (320, 240)
DETECT_MIN_SCORE = 0.65
NMS_IOU = 0.4
# A frame this many times the detector's input (or more) is also searched in tiles of
# TILE_FACTOR × the input, overlapping by a quarter.
TILE_FACTOR = 3
# The ArcFace template: eye centres, nose tip, mouth corners in a 112×112 crop.
TEMPLATE = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
     [41.5493, 92.3655], [70.7299, 92.2041]],
    dtype=np.float32,
)  # fmt: skip
# dlib's 5-point layout (two corners of each eye, the point under the nose), which
# quality.pose reads, taken from the 68 points.
QUALITY_POINTS = (36, 39, 42, 45, 33)
LIVENESS_SCALE = 2.7
LIVENESS_SIZE = 128


class MobileFaceNet:
    """The loaded networks (one instance per worker process)."""

    model_id = MODEL_ID
    dim = DIM

    def __init__(self) -> None:
        import cv2

        cv2.setNumThreads(1)  # one core per worker: the pool decides the parallelism
        files = modelfiles.checked()
        self.cv2: Any = cv2
        self.detector: Any = cv2.dnn.readNetFromONNX(str(files["fr_detect.onnx"]))
        self.marker: Any = cv2.dnn.readNetFromONNX(str(files["fr_landmark.onnx"]))
        self.embedder: Any = cv2.dnn.readNetFromONNX(str(files["fr_feature.onnx"]))
        self.live: Any = cv2.dnn.readNetFromONNX(str(files["fr_liveness.onnx"]))

    # ------------------------------------------------------------------ detection

    def _detect_once(
        self, rgb: NDArray[np.uint8]
    ) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        h, w = rgb.shape[:2]
        x = self.cv2.resize(rgb, DETECT_SIZE, interpolation=self.cv2.INTER_AREA)
        blob = ((x.astype(np.float32) - 127.0) / 128.0).transpose(2, 0, 1)[None]
        self.detector.setInput(blob)
        scores, boxes = self.detector.forward(["scores", "boxes"])
        s = scores[0, :, 1]
        keep = s >= DETECT_MIN_SCORE
        scale = np.array([w, h, w, h], dtype=np.float32)
        return boxes[0][keep] * scale, s[keep]

    def detect(
        self, rgb: NDArray[np.uint8], tiles: bool | None
    ) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """Face boxes (x1, y1, x2, y2 in pixels) and scores, after non-maximum suppression.

        A large frame (twice the detector's input or more) is searched in overlapping
        tiles as well: always with ``tiles=True``, with ``None`` only when the whole
        frame shows no face, never with ``False``."""
        boxes, scores = self._detect_once(rgb)
        big = max(rgb.shape[1] / DETECT_SIZE[0], rgb.shape[0] / DETECT_SIZE[1]) >= 2
        if big and (tiles or (tiles is None and not len(scores))):
            parts_b, parts_s = [boxes], [scores]
            for x0, y0, tile in _tiles(rgb):
                b, s = self._detect_once(tile)
                if len(s):
                    parts_b.append(b + np.array([x0, y0, x0, y0], dtype=np.float32))
                    parts_s.append(s)
            boxes, scores = np.concatenate(parts_b), np.concatenate(parts_s)
        if not len(scores):
            return boxes.reshape(0, 4), scores
        rects = [(float(a), float(b), float(c - a), float(d - b)) for a, b, c, d in boxes]
        keep = np.array(
            self.cv2.dnn.NMSBoxes(rects, scores.tolist(), DETECT_MIN_SCORE, NMS_IOU)
        ).reshape(-1)
        return boxes[keep], scores[keep]

    # ------------------------------------------------------------------ per face

    def landmarks(self, gray: NDArray[np.uint8], box: NDArray[np.float32]) -> NDArray[np.float32]:
        """68 points (x, y in pixels) of the face in ``box``."""
        h, w = gray.shape
        x1, y1 = max(int(box[0]), 0), max(int(box[1]), 0)
        x2, y2 = min(int(box[2]), w - 1), min(int(box[3]), h - 1)
        bw, bh = max(x2 - x1, 2), max(y2 - y1, 2)
        crop = gray[y1 : y1 + bh, x1 : x1 + bw]
        x = self.cv2.resize(crop, (64, 64)).astype(np.float32) / 256.0
        self.marker.setInput(x[None, None])
        out = np.asarray(self.marker.forward(), dtype=np.float32).reshape(68, 2)
        return out * np.array([bw, bh], np.float32) + np.array([x1, y1], np.float32)

    def embed(self, rgb: NDArray[np.uint8], points: NDArray[np.float32]) -> NDArray[np.float32]:
        """The unit-length 512-d embedding of the face whose 68 ``points`` are given."""
        matrix, _ = self.cv2.estimateAffinePartial2D(
            five_points(points), TEMPLATE, method=self.cv2.LMEDS
        )
        if matrix is None:  # degenerate points (a face squeezed to a line): no transform
            raise ValueError("landmarks give no alignment")
        face = self.cv2.warpAffine(rgb, matrix, (112, 112), borderValue=0)
        # One pass. The mirror image added (two passes, summed) gave +0.9 points of 1:N
        # correct accepts at 1 % false accepts on LFW but -0.04 points of TAR at FAR 1 %
        # and cost 6 ms (0.72× the throughput): not kept (bench/results, 2026-12-06).
        blob = ((face.astype(np.float32) - 127.0) / 128.0).transpose(2, 0, 1)[None]
        self.embedder.setInput(blob)
        v = np.asarray(self.embedder.forward()[0], dtype=np.float32)
        return np.asarray(v / (float(np.linalg.norm(v)) or 1.0), dtype=np.float32)

    def liveness(self, rgb: NDArray[np.uint8], box: NDArray[np.float32]) -> float:
        """Probability (0..1) that the face is live rather than a photo or a screen."""
        crop = _context_crop(rgb, box, LIVENESS_SCALE)
        x = self.cv2.resize(crop, (LIVENESS_SIZE, LIVENESS_SIZE)).astype(np.float32)
        self.live.setInput(x.transpose(2, 0, 1)[None])
        out = self.live.forward()[0].astype(np.float64)
        e = np.exp(out - out.max())
        return float(e[0] / e.sum())  # class 0 is "live" (the package's own code reads it)

    def faces(
        self, rgb: NDArray[np.uint8], describe: int, *, tiles: bool | None, liveness: bool
    ) -> tuple[list[FaceInfo], Timings]:
        """Every face, largest first; the ``describe`` largest get an embedding (and a
        liveness score when asked). ``tiles`` as in :meth:`detect`."""
        t0 = time.perf_counter()
        boxes, scores = self.detect(rgb, tiles)
        t1 = time.perf_counter()
        order = np.argsort(-(boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]))
        gray = self.cv2.cvtColor(rgb, self.cv2.COLOR_RGB2GRAY)
        h, w = gray.shape
        timings = Timings(detect=(t1 - t0) * 1000)
        out: list[FaceInfo] = []
        for n, i in enumerate(order):
            b = boxes[i]
            box = (
                max(int(b[0]), 0),
                max(int(b[1]), 0),
                min(int(b[2]), w - 1),
                min(int(b[3]), h - 1),
            )
            if box[2] - box[0] < 4 or box[3] - box[1] < 4:
                continue  # a sliver at the frame's edge
            t = time.perf_counter()
            pts = self.landmarks(gray, b)
            t2 = time.perf_counter()
            timings.landmarks += (t2 - t) * 1000
            marks = pts[list(QUALITY_POINTS)].astype(np.float64)
            # The box's height: its boxes are narrow (about 0.7 as wide as tall) and
            # their height matches dlib's square box, which the size limits were set by.
            q = quality.assess(
                max(box[2] - box[0], box[3] - box[1]), marks,
                gray[box[1] : box[3] + 1, box[0] : box[2] + 1],
            )  # fmt: skip
            desc: bytes | None = None
            live: float | None = None
            if n < describe:
                try:
                    desc = self.embed(rgb, pts).tobytes()
                except ValueError:
                    desc = None
                t3 = time.perf_counter()
                timings.embedding += (t3 - t2) * 1000
                if liveness:
                    live = self.liveness(rgb, b)
                    timings.liveness += (time.perf_counter() - t3) * 1000
            points = tuple((float(x), float(y)) for x, y in marks)
            out.append(FaceInfo(box, float(scores[i]), points, q, desc, live))
        return out, timings


def five_points(p: NDArray[np.float32]) -> NDArray[np.float32]:
    """Eye centres, nose tip and mouth corners from 68 landmarks (mouth corners averaged
    over the outer and inner lip points: steadier than either)."""
    return np.array(
        [p[36:42].mean(0), p[42:48].mean(0), p[30], (p[48] + p[60]) / 2, (p[54] + p[64]) / 2],
        dtype=np.float32,
    )


def _tiles(rgb: NDArray[np.uint8]) -> list[tuple[int, int, NDArray[np.uint8]]]:
    """Overlapping tiles of TILE_FACTOR × the detector's input (their top-left corners)."""
    h, w = rgb.shape[:2]
    tw, th = min(w, DETECT_SIZE[0] * TILE_FACTOR), min(h, DETECT_SIZE[1] * TILE_FACTOR)
    out = []
    for y0 in _starts(h, th):
        for x0 in _starts(w, tw):
            out.append((x0, y0, rgb[y0 : y0 + th, x0 : x0 + tw]))
    return out


def _starts(total: int, size: int) -> list[int]:
    """Tile starts covering ``total`` with tiles of ``size`` overlapping by ≥ a quarter."""
    if size >= total:
        return [0]
    step = max(size * 3 // 4, 1)
    n = -(-(total - size) // step)  # ceil
    return [round(i * (total - size) / n) for i in range(n + 1)]


def _context_crop(
    rgb: NDArray[np.uint8], box: NDArray[np.float32], scale: float
) -> NDArray[np.uint8]:
    """The box grown ``scale`` times about its centre, shifted (not cut) to stay inside
    the frame, as the liveness model was fed in its package."""
    h, w = rgb.shape[:2]
    bw, bh = max(float(box[2] - box[0]), 1.0), max(float(box[3] - box[1]), 1.0)
    s = min((h - 1) / bh, (w - 1) / bw, scale)
    nw, nh = bw * s, bh * s
    cx, cy = float(box[0]) + bw / 2, float(box[1]) + bh / 2
    x0 = min(max(cx - nw / 2, 0.0), w - 1 - nw)
    y0 = min(max(cy - nh / 2, 0.0), h - 1 - nh)
    x0, y0 = max(x0, 0.0), max(y0, 0.0)
    return rgb[int(y0) : int(y0 + nh), int(x0) : int(x0 + nw)]
