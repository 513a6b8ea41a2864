"""What the face service answers and refuses with: matches, identifications, enrolments,
and errors (kept apart from the service so that its helpers need not import it)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter

from anfang.core.errors import DomainError
from anfang.face.models import PersonOut
from anfang.face.reasons import FaceRefused, Reason

log = logging.getLogger("anfang.face.service")
REFUSALS = Counter("anfang_face_refusals_total", "Images or faces refused", ["reason"])


class FaceError(DomainError):
    """A refused face operation that is not about the image (unknown person, …)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True)
class Match:
    """The enrolled person a face matched."""

    person_id: str
    name: str
    kind: str
    similarity: float
    watch_list: str | None = None
    watch_priority: int | None = None


@dataclass(frozen=True, slots=True)
class Identification:
    """The answer to one capture: faces seen, the accepted match (or None), the best
    similarity even below the threshold, quality, liveness, and any watch-list hit."""

    faces: int
    match: Match | None
    similarity: float | None
    runner_up: float | None
    threshold: float
    quality: dict[str, float] | None
    watchlist: dict[str, Any] | None
    event_id: str | None
    decision_ms: float
    liveness: float | None = None


@dataclass(frozen=True, slots=True)
class Verification:
    """The answer to a 1:1 check of a face against one enrolled person."""

    person_id: str
    verified: bool
    similarity: float | None
    threshold: float
    faces: int
    decision_ms: float


@dataclass(frozen=True, slots=True)
class Enrolment:
    """A stored enrolment."""

    person: PersonOut
    template_id: int
    quality: dict[str, float]
    duplicate_of: str | None


def refuse(reasons: list[Reason]) -> FaceRefused:
    """Count and log a refusal, and return it to raise."""
    for r in reasons:
        REFUSALS.labels(r.code).inc()
    log.info("face refused: %s", "; ".join(f"{r.code} {r.detail}" for r in reasons))
    return FaceRefused(reasons)
