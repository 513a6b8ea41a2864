"""Verification and identification metrics for bench/face (pure functions).

Distances of pairs where a face was not found count as infinite: a failure to detect is a
rejection (it lowers TAR, never raises FAR), for anfang and the peer alike.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

TABLE_THRESHOLDS = (0.40, 0.45, 0.50, 0.55, 0.60, 0.65)
TABLE_MARGINS = (0.0, 0.04, 0.06, 0.08, 0.10, 0.12)


def _arr(values: Sequence[float]) -> np.ndarray:
    return np.array([v if math.isfinite(v) else np.inf for v in values], dtype=np.float64)


def rates(same: Sequence[float], diff: Sequence[float], t: float) -> dict[str, float]:
    """FAR, FRR and accuracy when pairs at distance ≤ ``t`` are accepted."""
    s, d = _arr(same), _arr(diff)
    frr = float(np.mean(s > t)) if len(s) else 0.0
    far = float(np.mean(d <= t)) if len(d) else 0.0
    correct = float(np.sum(s <= t) + np.sum(d > t))
    return {"threshold": t, "far": far, "frr": frr, "accuracy": correct / max(len(s) + len(d), 1)}


def tar_at_far(same: Sequence[float], diff: Sequence[float], far: float) -> dict[str, float]:
    """The true-accept rate at the largest threshold whose FAR is at most ``far``."""
    s, d = _arr(same), np.sort(_arr(diff))
    allowed = math.floor(far * len(d))  # impostor pairs that may be accepted
    # Accept strictly below the (allowed+1)-th smallest impostor distance.
    t = float(d[allowed]) if allowed < len(d) else math.inf
    t = float(np.nextafter(t, -np.inf)) if math.isfinite(t) else t
    return {
        "far_target": far,
        "threshold": round(t, 4) if math.isfinite(t) else t,
        "tar": float(np.mean(s <= t)) if len(s) else 0.0,
        "far": float(np.mean(d <= t)) if len(d) else 0.0,
        "impostor_pairs": len(d),
    }


def best_accuracy(same: Sequence[float], diff: Sequence[float]) -> dict[str, float]:
    """The best accuracy over thresholds 0.30 … 0.80 (step 0.01), and its threshold."""
    best = max(
        (rates(same, diff, round(float(t), 2)) for t in np.arange(0.30, 0.801, 0.01)),
        key=lambda r: r["accuracy"],
    )
    return best


def verification(same: Sequence[float], diff: Sequence[float], threshold: float) -> dict[str, Any]:
    """Everything the LFW protocol reports."""
    return {
        "pairs": {"same": len(same), "different": len(diff)},
        "at_threshold": rates(same, diff, threshold),
        "best": best_accuracy(same, diff),
        "tar_at_far_1pct": tar_at_far(same, diff, 0.01),
        "tar_at_far_0_1pct": tar_at_far(same, diff, 0.001),
        "table": [rates(same, diff, t) for t in TABLE_THRESHOLDS],
    }


def identification(
    gallery: np.ndarray,
    gallery_ids: list[str],
    probes: np.ndarray,
    probe_ids: list[str | None],
    threshold: float,
    margin: float = 0.0,
) -> dict[str, Any]:
    """1:N: rank-1 of enrolled probes, correct accepts (distance ≤ ``threshold`` and
    ``margin`` nearer than the nearest other person), false accepts of probes whose person
    is not enrolled (``probe_ids`` None). Probes without a face (``nan`` rows) count as
    misses / correct rejections."""
    known = sum(p is not None for p in probe_ids)
    unknown = len(probe_ids) - known
    g = np.nan_to_num(gallery, nan=1e3)
    ids = np.array(gallery_ids)
    # (enrolled?, distance, right person?, distance to the nearest other person)
    nearest: list[tuple[bool, float, bool, float]] = []
    rank1 = no_face = 0
    for q, pid in zip(probes, probe_ids, strict=True):
        if np.isnan(q).any():
            no_face += 1
            continue
        d = np.linalg.norm(g - q, axis=1)
        j = int(np.argmin(d))
        others = d[ids != ids[j]]
        second = float(others.min()) if len(others) else float("inf")
        nearest.append((pid is not None, float(d[j]), str(ids[j]) == pid, second))
        rank1 += str(ids[j]) == pid
    at = _row(nearest, threshold, margin, known, unknown)
    return {
        "enrolled": len(gallery_ids),
        "probes_enrolled": known,
        "probes_not_enrolled": unknown,
        "rank1": rank1 / max(known, 1),
        "correct_accept_at_threshold": at["correct_accept"],
        "false_accept_rate": at["false_accept_rate"],
        "false_accepts": round(at["false_accept_rate"] * unknown),
        "probes_without_face": no_face,
        "threshold": threshold,
        "margin": margin,
        "table": [
            _row(nearest, t, m, known, unknown)
            for t in TABLE_THRESHOLDS
            for m in sorted({*TABLE_MARGINS, margin})
        ],
    }


def _row(
    nearest: list[tuple[bool, float, bool, float]], t: float, m: float, known: int, unknown: int
) -> dict[str, float]:
    """Correct and false accepts when a match needs distance ≤ ``t`` and margin ``m``."""
    ca = sum(k and ok and x <= t and y - x >= m for k, x, ok, y in nearest)
    fa = sum(not k and x <= t and y - x >= m for k, x, _, y in nearest)
    return {
        "threshold": t,
        "margin": m,
        "correct_accept": ca / max(known, 1),
        "false_accept_rate": fa / max(unknown, 1),
    }
