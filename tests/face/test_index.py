"""The 1:N index against a brute-force reference."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anfang.face.index import FaceIndex


def unit(rng: np.random.Generator, n: int) -> np.ndarray:
    x = rng.normal(size=(n, 128)).astype(np.float32)
    out: np.ndarray = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def test_search_finds_the_nearest_with_its_distance() -> None:
    rng = np.random.default_rng(3)
    x = unit(rng, 500)
    index = FaceIndex(capacity=16)  # grows on the way
    index.add_many(list(range(500)), [f"p{i}" for i in range(500)], x)
    q = x[123] + 0.01
    hit = index.search(q)[0]
    assert (hit.template_id, hit.person_id) == (123, "p123")
    assert hit.distance == pytest.approx(float(np.linalg.norm(x[123] - q)), abs=1e-4)
    assert index.search(q, k=3)[1].distance >= hit.distance


def test_one_hit_per_person_and_removal() -> None:
    rng = np.random.default_rng(4)
    x = unit(rng, 3)
    index = FaceIndex()
    index.add(1, "a", x[0])
    index.add(2, "a", x[0] + 0.001)
    index.add(3, "b", x[1])
    hits = index.search(x[0], k=5)
    assert [h.person_id for h in hits] == ["a", "b"]
    assert index.people() == 2
    assert index.remove_person("a") == 2
    assert [h.person_id for h in index.search(x[0], k=5)] == ["b"]
    assert not index.remove(99)
    index.remove(3)
    assert index.search(x[0]) == []


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 30)), max_size=60), st.integers(0, 10**6))
def test_matches_brute_force_after_any_adds_and_removes(
    ops: list[tuple[bool, int]], seed: int
) -> None:
    rng = np.random.default_rng(seed)
    vecs = unit(rng, 31)
    index = FaceIndex(capacity=2)
    live: dict[int, np.ndarray] = {}
    for add, tid in ops:
        if add:
            index.add(tid, f"p{tid}", vecs[tid])
            live[tid] = vecs[tid]
        else:
            assert index.remove(tid) == (tid in live)
            live.pop(tid, None)
    assert len(index) == len(live)
    q = unit(rng, 1)[0]
    hits = index.search(q, k=len(live) or 1)
    want = sorted((float(np.linalg.norm(v - q)), t) for t, v in live.items())
    assert [h.template_id for h in hits] == [t for _, t in want]
    for h, (d, _) in zip(hits, want, strict=True):
        assert h.distance == pytest.approx(d, abs=1e-4)


def test_decide_needs_threshold_and_margin() -> None:
    from anfang.face.index import Hit, decide

    alone = [Hit(1, "a", 0.5)]
    assert decide(alone, 0.6, 0.08) == alone[0]
    assert decide([Hit(1, "a", 0.65)], 0.6, 0.08) is None
    assert decide([Hit(1, "a", 0.40), Hit(2, "b", 0.55)], 0.6, 0.08) is not None
    # Two people nearly as near: a stranger resembling both, not a match.
    assert decide([Hit(1, "a", 0.50), Hit(2, "b", 0.55)], 0.6, 0.08) is None
    assert decide([Hit(1, "a", 0.50), Hit(2, "b", 0.55)], 0.6, 0.0) is not None
    assert decide([], 0.6, 0.08) is None
