"""The 1:N index against a brute-force reference (cosine similarity)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anfang.face.index import FaceIndex, Hit, decide


def unit(rng: np.random.Generator, n: int, dim: int = 128) -> np.ndarray:
    x = rng.normal(size=(n, dim)).astype(np.float32)
    out: np.ndarray = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


@pytest.mark.parametrize("dim", [128, 512])
def test_search_finds_the_most_similar_with_its_similarity(dim: int) -> None:
    rng = np.random.default_rng(3)
    x = unit(rng, 500, dim)
    index = FaceIndex(capacity=16, dim=dim)  # grows on the way
    index.add_many(
        list(range(500)), [f"p{i}" for i in range(500)], (x * 3).astype(np.float32)
    )  # any length
    q = x[123] + 0.01
    hit = index.search(q)[0]
    assert (hit.template_id, hit.person_id) == (123, "p123")
    want = float(x[123] @ q / np.linalg.norm(q))
    assert hit.similarity == pytest.approx(want, abs=1e-4)
    assert index.search(q, k=3)[1].similarity <= hit.similarity
    assert index.similarity_to(q, "p123") == pytest.approx(want, abs=1e-4)
    assert index.similarity_to(q, "nobody") is None


def test_a_vector_of_the_wrong_width_is_refused() -> None:
    index = FaceIndex(dim=512)
    with pytest.raises(ValueError):
        index.add(1, "a", np.ones(128, np.float32))


def test_one_hit_per_person_and_removal() -> None:
    rng = np.random.default_rng(4)
    x = unit(rng, 3)
    index = FaceIndex(dim=128)
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
    index = FaceIndex(capacity=2, dim=128)
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
    want = sorted(((-float(v @ q), t) for t, v in live.items()))
    assert [h.template_id for h in hits] == [t for _, t in want]
    for h, (s, _) in zip(hits, want, strict=True):
        assert h.similarity == pytest.approx(-s, abs=1e-4)


def test_decide_needs_threshold_and_margin() -> None:
    alone = [Hit(1, "a", 0.5)]
    assert decide(alone, 0.4, 0.05) == alone[0]
    assert decide([Hit(1, "a", 0.35)], 0.4, 0.05) is None
    assert decide([Hit(1, "a", 0.60), Hit(2, "b", 0.30)], 0.4, 0.05) is not None
    # Two people nearly as similar: a stranger resembling both, not a match.
    assert decide([Hit(1, "a", 0.50), Hit(2, "b", 0.47)], 0.4, 0.05) is None
    assert decide([Hit(1, "a", 0.50), Hit(2, "b", 0.47)], 0.4, 0.0) is not None
    assert decide([], 0.4, 0.05) is None
