"""Looking a face up without a gate decision: 1:1 verification (a visitor against their
pass's photo) and an operator's search (top k, with a reason, audited)."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from prometheus_client import Counter

from anfang.core import retrieval
from anfang.core.retrieval import Retrieval
from anfang.face.results import FaceError, Match, Verification

if TYPE_CHECKING:
    from anfang.face.people import FaceHost

VERIFY = Counter("anfang_face_verify_total", "1:1 verifications", ["result"])


async def verify(svc: FaceHost, image: bytes, person_id: str) -> Verification:
    """1:1: is the largest face of ``image`` the enrolled ``person_id``, at the engine's
    ``verify`` point? Raises :class:`FaceError` (404) for a person not enrolled."""
    t0 = time.perf_counter()
    if person_id not in svc.people:
        raise FaceError(404, f"no enrolled person {person_id!r}")
    analysis = await svc.analyse(image, describe=1)
    best: float | None = None
    if analysis.faces:
        best = await asyncio.to_thread(svc.index.similarity_to, analysis.faces[0].vector, person_id)
    threshold = svc.config.point.verify
    verified = best is not None and best >= threshold
    VERIFY.labels("verified" if verified else "not_verified").inc()
    took = (time.perf_counter() - t0) * 1000
    return Verification(person_id, verified, best, threshold, len(analysis.faces), took)


async def search(
    svc: FaceHost,
    image: bytes,
    *,
    actor: str,
    reason: str,
    k: int = 5,
    unit: str = "",
    requester: str = "",
) -> tuple[int, list[Match]]:
    """An operator's search (top ``k``, no threshold), audited with its reason and the
    requesting unit and person (a retrieval of recorded material)."""
    if len(reason.strip()) < 4:
        raise FaceError(422, "a search needs a reason (at least 4 characters)")
    analysis = await svc.analyse(image, describe=1)
    out: list[Match] = []
    if analysis.faces:
        for h in await asyncio.to_thread(svc.index.search, analysis.faces[0].vector, k):
            m = svc.people.get(h.person_id)
            if m is not None:
                out.append(
                    Match(m.person_id, m.name, m.kind, h.similarity, m.watch_list, m.watch_priority)
                )
    who = retrieval.detail(Retrieval(reason=reason, unit=unit, requester=requester), actor)
    detail = {**who, "faces": len(analysis.faces), "results": [m.person_id for m in out]}
    await svc.platform.audit.record(actor, "face.search", "", detail)
    return len(analysis.faces), out
