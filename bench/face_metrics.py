"""Verification and identification metrics for bench/face (pure functions).

Every pipeline gives a *similarity* (higher: more alike): cosine for anfang's engines,
minus the Euclidean distance for the face_recognition peer (the way that library
compares). Pairs where a face was not found score minus infinity: a failure to detect is
a rejection (it lowers TAR, never raises FAR), for every pipeline alike. Operating points
are read off the data (quantiles), so the same code serves both scales.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

MARGINS = (0.0, 0.02, 0.04, 0.06, 0.08, 0.10, 0.12)
FAR_TARGETS = (0.01, 0.001)


def _arr(values: Sequence[float]) -> np.ndarray:
    return np.array([v if math.isfinite(v) else -np.inf for v in values], dtype=np.float64)


def rates(same: Sequence[float], diff: Sequence[float], t: float) -> dict[str, float]:
    """FAR, FRR and accuracy when pairs with similarity ≥ ``t`` are accepted."""
    s, d = _arr(same), _arr(diff)
    frr = float(np.mean(s < t)) if len(s) else 0.0
    far = float(np.mean(d >= t)) if len(d) else 0.0
    correct = float(np.sum(s >= t) + np.sum(d < t))
    return {"threshold": t, "far": far, "frr": frr, "accuracy": correct / max(len(s) + len(d), 1)}


def tar_at_far(same: Sequence[float], diff: Sequence[float], far: float) -> dict[str, float]:
    """The true-accept rate at the lowest threshold whose FAR is at most ``far``."""
    s, d = _arr(same), np.sort(_arr(diff))[::-1]
    allowed = math.floor(far * len(d))  # impostor pairs that may be accepted
    # Accept strictly above the (allowed+1)-th highest impostor similarity.
    t = float(d[allowed]) if allowed < len(d) else -math.inf
    t = float(np.nextafter(t, np.inf)) if math.isfinite(t) else t
    return {
        "far_target": far,
        "threshold": round(t, 4) if math.isfinite(t) else t,
        "tar": float(np.mean(s >= t)) if len(s) else 0.0,
        "far": float(np.mean(d >= t)) if len(d) else 0.0,
        "impostor_pairs": len(d),
    }


def best_accuracy(same: Sequence[float], diff: Sequence[float]) -> dict[str, float]:
    """The best accuracy over 200 thresholds spread over the observed similarities."""
    both = np.concatenate([_arr(same), _arr(diff)])
    both = both[np.isfinite(both)]
    if not len(both):
        return rates(same, diff, 0.0)
    grid = np.unique(np.round(np.quantile(both, np.linspace(0, 1, 201)), 4))
    return max((rates(same, diff, float(t)) for t in grid), key=lambda r: r["accuracy"])


def verification(same: Sequence[float], diff: Sequence[float], threshold: float) -> dict[str, Any]:
    """Everything the LFW protocol reports, with ``threshold`` the configured one."""
    at = tar_at_far(same, diff, 0.01)["threshold"]
    table = sorted({round(at + k * 0.05, 3) for k in range(-3, 4)} | {round(threshold, 3)})
    return {
        "pairs": {"same": len(same), "different": len(diff)},
        "at_threshold": rates(same, diff, threshold),
        "best": best_accuracy(same, diff),
        "tar_at_far_1pct": tar_at_far(same, diff, 0.01),
        "tar_at_far_0_1pct": tar_at_far(same, diff, 0.001),
        "table": [rates(same, diff, t) for t in table],
    }


Nearest = tuple[bool, float, bool, float]  # (enrolled?, best, right person?, next person)


def nearest_people(
    sims: np.ndarray, gallery_ids: list[str], probe_ids: list[str | None]
) -> tuple[list[Nearest], int, int]:
    """Per probe (rows of ``sims``: probe × gallery similarity, NaN rows without a face):
    the best person, whether they are right, and the next other person; also rank-1
    hits and probes without a face."""
    ids = np.array(gallery_ids)
    out: list[Nearest] = []
    rank1 = no_face = 0
    for row, pid in zip(sims, probe_ids, strict=True):
        if np.isnan(row).all():
            no_face += 1
            continue
        row = np.nan_to_num(row, nan=-np.inf)
        j = int(np.argmax(row))
        others = row[ids != ids[j]]
        second = float(others.max()) if len(others) else -math.inf
        out.append((pid is not None, float(row[j]), str(ids[j]) == pid, second))
        rank1 += str(ids[j]) == pid
    return out, rank1, no_face


def row(nearest: list[Nearest], t: float, m: float, known: int, unknown: int) -> dict[str, float]:
    """Correct and false accepts when a match needs similarity ≥ ``t`` and margin ``m``."""
    ca = sum(k and ok and x >= t and x - y >= m for k, x, ok, y in nearest)
    fa = sum(not k and x >= t and x - y >= m for k, x, _, y in nearest)
    return {
        "threshold": round(t, 4),
        "margin": m,
        "correct_accept": ca / max(known, 1),
        "false_accept_rate": fa / max(unknown, 1),
    }


def best_at(nearest: list[Nearest], far: float, known: int, unknown: int) -> dict[str, float]:
    """The (threshold, margin) with the most correct accepts while false accepts of people
    not enrolled stay at most ``far``."""
    allowed = math.floor(far * unknown)
    best: dict[str, float] | None = None
    for m in MARGINS:
        passing = sorted((x for k, x, _, y in nearest if not k and x - y >= m), reverse=True)
        t = float(np.nextafter(passing[allowed], np.inf)) if allowed < len(passing) else -1e9
        r = row(nearest, t, m, known, unknown)
        if best is None or r["correct_accept"] > best["correct_accept"]:
            best = r
    assert best is not None
    return best


def identification(
    sims: np.ndarray,
    gallery_ids: list[str],
    probe_ids: list[str | None],
    threshold: float,
    margin: float = 0.0,
) -> dict[str, Any]:
    """1:N from a probe × gallery similarity matrix: rank-1 of enrolled probes, correct
    accepts and false accepts (probes whose person is not enrolled: ``probe_ids`` None)
    at the configured point and at the best points for 1 % and 0.1 % false accepts."""
    known = sum(p is not None for p in probe_ids)
    unknown = len(probe_ids) - known
    nearest, rank1, no_face = nearest_people(sims, gallery_ids, probe_ids)
    at = row(nearest, threshold, margin, known, unknown)
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
        "best_at_far": {str(f): best_at(nearest, f, known, unknown) for f in FAR_TARGETS},
    }
