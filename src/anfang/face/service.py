"""The face service (the capability :data:`FACE`): enrol, identify, verify, search, erase.

Image work runs in :class:`~anfang.face.engine.FaceEngine` worker processes; the 1:N
index lives in this process's memory, loaded at start from the sealed templates and kept
in step with every enrolment and erasure. Terminal decisions (``identify``) are not
audited one by one; operator searches need a reason and are. A watch-list hit stores the
capture sealed and emits ``face.watchlist_hit``, which raises the seeded alarm.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from prometheus_client import Counter, Histogram

import anfang.face  # noqa: F401  (declares the face event kinds)
from anfang.core.capabilities import Key
from anfang.core.tasks import stop_task
from anfang.face import alerts, modelfiles, store
from anfang.face.config import FaceConfig
from anfang.face.engine import Analysis, FaceEngine
from anfang.face.index import FaceIndex, Hit, decide
from anfang.face.migrate import Migration
from anfang.face.reasons import FaceRefused, Reason
from anfang.face.results import (
    Enrolment,
    Identification,
    Match,
    Verification,
    refuse,
)

if TYPE_CHECKING:
    from anfang.kernel import Kernel

log = logging.getLogger(__name__)

IDENTIFY = Counter("anfang_face_identify_total", "Identifications", ["result"])
# Faces described per capture when every face is checked against the watch lists.
MAX_FACES = 5
# How often people removed with their resident are dropped from memory.
RECONCILE_SECONDS = 30.0
LIVENESS = Histogram(
    "anfang_face_liveness_score",
    "Server-side live scores of captures without a terminal verdict",
    buckets=(0.1, 0.3, 0.5, 0.7, 0.9, 1.0),
)
DECISION_SECONDS = Histogram(
    "anfang_face_decision_seconds",
    "Image received to identification",
    buckets=(0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.5, 1, 2.5),
)


def liveness_passed(value: object, min_score: float) -> bool | None:
    """The terminal's liveness verdict: "pass"/"fail", a boolean or a 0..1 score.

    None when no usable verdict was sent (then the server scores the capture itself,
    as ``face_liveness`` says)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"pass", "passed", "live", "true", "ok", "1"}:
        return True
    if text in {"fail", "failed", "spoof", "false", "0"}:
        return False
    try:
        return float(text) >= min_score
    except ValueError:
        return None


class FaceService:
    """The face component: engine workers, the index and the people it knows."""

    def __init__(self, platform: Kernel, config: FaceConfig, engine: FaceEngine | None = None):
        self.platform = platform
        self.config = config
        self.engine = engine or FaceEngine(config.workers, config.limits, config.engine)
        self._owns_engine = engine is None
        self._task: asyncio.Task[None] | None = None
        self.index = FaceIndex(dim=self.engine.dim)
        self.people: dict[str, store.PersonMeta] = {}
        self.stale = 0  # templates of another engine, waiting for re-enrolment
        self.migration = Migration()

    @property
    def threshold(self) -> float:
        """The similarity an entrance (1:N) match needs."""
        return self.config.threshold

    @property
    def engine_model(self) -> str:
        """The model id of the running engine (what its templates record)."""
        return self.engine.model_id

    async def start(self) -> None:
        """Check the model files, seed the watch-list alarm definition, load the index
        (workers start lazily) and re-enrol templates of another engine in the
        background."""
        if self.config.engine == "mobilefacenet":
            await asyncio.to_thread(modelfiles.checked)  # a changed file refuses the start
        await self.platform.writer.run(store.seed_watch_definition)
        await asyncio.to_thread(self._load)
        self._task = asyncio.create_task(self._reconcile_loop(), name="face-reconcile")
        if self.stale:
            log.warning(
                "%d face templates were made by another engine than %s: re-enrolling them "
                "from their stored photos", self.stale, self.engine.model_id,
            )  # fmt: skip
            self.migration.start(self)

    async def _reconcile_loop(self) -> None:
        from anfang.face import people

        while True:
            await asyncio.sleep(RECONCILE_SECONDS)
            try:
                await people.reconcile(self)
            except Exception:  # storage down for a moment: try again next time
                log.warning("face reconcile failed", exc_info=True)

    async def stop(self) -> None:
        """Stop the workers (of an engine this service made)."""
        await stop_task(self._task)
        self._task = None
        await self.migration.stop()
        if self._owns_engine:
            await asyncio.to_thread(self.engine.close)

    def use_engine(self, engine: FaceEngine) -> None:
        """Run on a shared engine (tests, the CLI); it outlives this service."""
        if self._owns_engine:
            self.engine.close()
        self.engine = engine
        self._owns_engine = False

    def _load(self) -> None:
        with self.platform.read_session() as session:
            metas, ids, pids, matrix, bad = store.load_all(
                session, self.platform.secrets, self.engine.model_id, self.engine.dim
            )
            self.stale = store.stale_count(session, self.engine.model_id)
        self.people = {m.person_id: m for m in metas}
        index = FaceIndex(capacity=max(1024, len(ids)), dim=self.engine.dim)
        index.add_many(ids, pids, matrix)
        self.index = index
        if bad:
            log.error("%d face templates do not open (wrong secrets key?): ids %s", len(bad), bad)
        log.info("face index: %d templates of %d people", len(ids), len(self.people))

    # ------------------------------------------------------------------ identify

    async def identify(
        self,
        image: bytes,
        *,
        source: str = "face",
        liveness: object = None,
        door: str | None = None,
        record_stranger: bool = False,
        all_faces: bool = False,
    ) -> Identification:
        """Identify the largest face of a capture (``match``); with ``all_faces`` the other
        faces (up to :data:`MAX_FACES`) are checked against the watch lists too.

        Raises :class:`FaceRefused` (a ``ValueError``) for unusable images or a failed
        liveness verdict. ``door`` and ``source`` go into the events it raises.
        """
        t0 = time.perf_counter()
        verdict = liveness_passed(liveness, self.config.liveness_min_score)
        if verdict is False:
            raise refuse([Reason("liveness.fail", str(liveness))])
        server_live = verdict is None and self.config.liveness != "off"
        analysis = await self.analyse(
            image, describe=MAX_FACES if all_faces else 1, tiles=True if all_faces else None,
            liveness=server_live,
        )  # fmt: skip
        if not analysis.faces:
            IDENTIFY.labels("no_face").inc()
            return self._answer(t0, 0, None, [], None)
        face = analysis.faces[0]
        live = face.liveness if server_live else None
        if live is not None:
            LIVENESS.observe(live)
            if self.config.liveness == "enforce" and live < self.config.liveness_min_score:
                IDENTIFY.labels("not_live").inc()
                raise refuse([Reason("liveness.server_fail", f"{live:.2f}")])
        hits, match = await self._match(face.vector)
        IDENTIFY.labels("match" if match else "unknown").inc()
        watched = self._watched(match)
        for other in analysis.faces[1:]:
            if watched is None and other.descriptor is not None:
                _, m = await self._match(other.vector)
                watched = self._watched(m)
        watch = None
        event_id = None
        if watched is not None:
            event_id = await alerts.watch_hit(
                self.platform, watched, image, source, door, face.quality.as_dict()
            )
            watch = {
                "person_id": watched.person_id,
                "list": watched.watch_list,
                "priority": watched.watch_priority,
                "event": event_id,
            }
        elif match is None and record_stranger:
            best = hits[0] if hits else None
            event_id = await alerts.stranger(self.platform, source, door, len(analysis.faces), best)
        return self._answer(
            t0, len(analysis.faces), match, hits, face.quality.as_dict(), watch, event_id, live
        )

    def _watched(self, match: Match | None) -> Match | None:
        """The match when it is a watch-list hit: on a list and at the stricter similarity
        a critical alarm needs."""
        if match is None or not match.watch_list:
            return None
        return match if match.similarity >= self.config.point.watch else None

    async def _match(self, vector: NDArray[np.float32]) -> tuple[list[Hit], Match | None]:
        """The two most similar people and the accepted match (threshold and margin)."""
        hits = await asyncio.to_thread(self.index.search, vector, 2)
        accepted = decide(hits, self.threshold, self.config.margin)
        meta = self.people.get(accepted.person_id) if accepted else None
        if accepted is None or meta is None:
            return hits, None
        match = Match(
            meta.person_id, meta.name, meta.kind, accepted.similarity,
            meta.watch_list, meta.watch_priority,
        )  # fmt: skip
        return hits, match

    def _answer(
        self,
        t0: float,
        faces: int,
        match: Match | None,
        hits: list[Hit],
        quality: dict[str, float] | None,
        watch: dict[str, Any] | None = None,
        event_id: str | None = None,
        live: float | None = None,
    ) -> Identification:
        took = time.perf_counter() - t0
        DECISION_SECONDS.observe(took)
        return Identification(
            faces,
            match,
            hits[0].similarity if hits else None,
            hits[1].similarity if len(hits) > 1 else None,
            self.threshold,
            quality,
            watch,
            event_id,
            took * 1000,
            live,
        )

    async def analyse(
        self,
        image: bytes,
        *,
        describe: int,
        want_crop: bool = False,
        tiles: bool | None = None,
        liveness: bool = False,
    ) -> Analysis:
        """Run the engine on one image; refusals are counted and logged."""
        try:
            return await self.engine.analyse(
                image, describe=describe, want_crop=want_crop, tiles=tiles, liveness=liveness
            )
        except FaceRefused as exc:
            raise refuse(exc.reasons) from None

    # ------------------------------------------------------------------ 1:1 and search

    async def verify(self, image: bytes, person_id: str) -> Verification:
        """1:1 (see :func:`anfang.face.lookup.verify`)."""
        from anfang.face import lookup

        return await lookup.verify(self, image, person_id)

    async def search(
        self,
        image: bytes,
        *,
        actor: str,
        reason: str,
        k: int = 5,
        unit: str = "",
        requester: str = "",
    ) -> tuple[int, list[Match]]:
        """An operator's search (see :func:`anfang.face.lookup.search`)."""
        from anfang.face import lookup

        return await lookup.search(
            self, image, actor=actor, reason=reason, k=k, unit=unit, requester=requester
        )

    # ------------------------------------------------------------------ people

    async def enroll(
        self, image: bytes, *, person_id: str, name: str, actor: str, **kw: Any
    ) -> Enrolment:
        """Enrol a photo (see :func:`anfang.face.people.enroll`)."""
        from anfang.face import people

        return await people.enroll(self, image, person_id=person_id, name=name, actor=actor, **kw)

    async def erase(self, person_id: str, *, actor: str, reason: str = "") -> dict[str, int]:
        """Erase a person's face data (see :func:`anfang.face.people.erase`)."""
        from anfang.face import people

        return await people.erase(self, person_id, actor=actor, reason=reason)

    async def erase_resident(self, resident_id: int, *, actor: str) -> list[str]:
        """Erase the face data of a resident who moved out."""
        from anfang.face import people

        return await people.erase_resident(self, resident_id, actor=actor)


FACE: Key[FaceService] = Key("face")


def make_face(platform: Kernel) -> FaceService | None:
    """The face component, provided as :data:`FACE` (None when off)."""
    config = FaceConfig.from_settings(platform.settings)
    if not config.enabled:
        return None
    svc = FaceService(platform, config)
    platform.capabilities.provide(FACE, svc)
    return svc
