"""The 1:N index: every enrolled embedding, unit length, in one float32 matrix, searched
with one matrix-vector product (cosine similarity), single-threaded.

50,000 people × 512 floats is 102 MB; a search reads it once (bench/face measures
p99 per size). Rows are kept contiguous: removing a row moves the last row into its
place. Searches may run in a thread (numpy releases the GIL): a lock guards the arrays.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


def decide(hits: list[Hit], min_similarity: float, margin: float) -> Hit | None:
    """The accepted match among the most similar people (``hits``, best first), or None.

    Accepted: at least ``min_similarity`` and, when another person is indexed, more
    similar than the next person by at least ``margin`` (an open-set rule: the best of
    many strangers often reaches the threshold, but rarely stands out from the rest).
    """
    if not hits or hits[0].similarity < min_similarity:
        return None
    if len(hits) > 1 and hits[0].similarity - hits[1].similarity < margin:
        return None
    return hits[0]


def unit(vectors: NDArray[np.float32]) -> NDArray[np.float32]:
    """Rows scaled to unit length (zero rows stay zero)."""
    v = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(v, axis=-1, keepdims=True)
    return np.asarray(v / np.where(norms > 0, norms, 1.0), dtype=np.float32)


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result: the template's key, its person and the cosine similarity."""

    template_id: int
    person_id: str
    similarity: float


class FaceIndex:
    """An in-memory matrix of unit embeddings (``dim`` wide) keyed by template id."""

    def __init__(self, capacity: int = 1024, dim: int = 512) -> None:
        self._lock = threading.Lock()
        self.dim = dim
        self._x = np.zeros((capacity, dim), dtype=np.float32)
        self._template_ids: list[int] = []
        self._persons: list[str] = []
        self._row: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self._template_ids)

    def people(self) -> int:
        """How many distinct people are indexed."""
        with self._lock:
            return len(set(self._persons))

    def add(self, template_id: int, person_id: str, vector: NDArray[np.float32]) -> None:
        """Add (or replace) one template."""
        v = unit(np.asarray(vector, dtype=np.float32).reshape(self.dim))
        with self._lock:
            row = self._row.get(template_id)
            if row is None:
                row = len(self._template_ids)
                if row == self._x.shape[0]:
                    self._grow()
                self._template_ids.append(template_id)
                self._persons.append(person_id)
                self._row[template_id] = row
            else:
                self._persons[row] = person_id
            self._x[row] = v

    def add_many(
        self, template_ids: list[int], person_ids: list[str], vectors: NDArray[np.float32]
    ) -> None:
        """Add many new templates at once (start-up, benchmarks); ids already indexed are
        replaced one by one."""
        ids = set(template_ids)
        if len(ids) < len(template_ids) or not ids.isdisjoint(self._row):
            for tid, pid, vec in zip(template_ids, person_ids, vectors, strict=True):
                self.add(tid, pid, vec)
            return
        v = unit(np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim))
        if not len(template_ids) == len(person_ids) == len(v):
            raise ValueError("ids, people and vectors differ in number")
        with self._lock:
            start = len(self._template_ids)
            while start + len(v) > self._x.shape[0]:
                self._grow()
            self._x[start : start + len(v)] = v
            for k, tid in enumerate(template_ids):
                self._row[tid] = start + k
            self._template_ids.extend(template_ids)
            self._persons.extend(person_ids)

    def remove(self, template_id: int) -> bool:
        """Remove one template; False when it was not there."""
        with self._lock:
            row = self._row.pop(template_id, None)
            if row is None:
                return False
            last = len(self._template_ids) - 1
            if row != last:
                self._x[row] = self._x[last]
                moved = self._template_ids[last]
                self._template_ids[row] = moved
                self._persons[row] = self._persons[last]
                self._row[moved] = row
            self._template_ids.pop()
            self._persons.pop()
            return True

    def remove_person(self, person_id: str) -> int:
        """Remove every template of a person; how many were removed."""
        with self._lock:
            tids = [
                t for t, p in zip(self._template_ids, self._persons, strict=True) if p == person_id
            ]
        return sum(self.remove(t) for t in tids)

    def search(self, query: NDArray[np.float32], k: int = 1) -> list[Hit]:
        """The ``k`` most similar templates, one per person, best first."""
        q = unit(np.asarray(query, dtype=np.float32).reshape(self.dim))
        with self._lock:
            n = len(self._template_ids)
            if n == 0:
                return []
            # einsum, not BLAS: OpenBLAS spreads a matrix-vector product over threads,
            # which on a busy 2-core machine costs 10x at the median (bench/face).
            sims = np.einsum("ij,j->i", self._x[:n], q)
            take = min(n, max(k * 4, k))
            idx = np.argpartition(-sims, take - 1)[:take] if take < n else np.arange(n)
            idx = idx[np.argsort(-sims[idx])]
            hits: list[Hit] = []
            seen: set[str] = set()
            for i in idx:
                pid = self._persons[i]
                if pid in seen:
                    continue
                seen.add(pid)
                hits.append(Hit(self._template_ids[i], pid, float(sims[i])))
                if len(hits) == k:
                    break
            return hits

    def similarity_to(self, query: NDArray[np.float32], person_id: str) -> float | None:
        """The best similarity of ``query`` to one person's templates (None: none held)."""
        q = unit(np.asarray(query, dtype=np.float32).reshape(self.dim))
        with self._lock:
            rows = [i for i, p in enumerate(self._persons) if p == person_id]
            if not rows:
                return None
            return float(np.max(self._x[rows] @ q))

    def _grow(self) -> None:
        x = np.zeros((self._x.shape[0] * 2, self.dim), dtype=np.float32)
        x[: self._x.shape[0]] = self._x
        self._x = x
