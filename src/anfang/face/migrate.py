"""Re-enrolment after a change of engine: templates of one engine cannot be compared with
another's, so every template made by another engine is made again from its stored photo
(sealed at rest) in the engine's worker processes, with progress, audited.

The new template replaces the old one in one writer job; a person whose photo is
missing, does not open, or no longer yields a usable face keeps the old template (which
the running engine ignores) and is listed for the property office to photograph again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from anfang.core.secretbox import SecretError
from anfang.core.tasks import stop_task
from anfang.core.writer import WriteContext
from anfang.face import store
from anfang.face.models import FacePerson, FaceTemplate
from anfang.face.reasons import FaceRefused

if TYPE_CHECKING:
    from anfang.face.people import FaceHost

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Stale:
    """A template made by another engine."""

    template_id: int
    person_id: str
    name: str
    photo_sealed: bytes | None


@dataclass(slots=True)
class Progress:
    """Where a re-enrolment stands (``GET /face/migration``)."""

    state: str = "idle"  # idle, running, done, failed
    model: str = ""
    total: int = 0
    done: int = 0
    migrated: int = 0
    started_at: float | None = None
    finished_at: float | None = None
    error: str = ""
    unusable: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """As JSON."""
        return {
            "state": self.state,
            "model": self.model,
            "total": self.total,
            "done": self.done,
            "migrated": self.migrated,
            "seconds": round((self.finished_at or time.monotonic()) - self.started_at, 1)
            if self.started_at
            else None,
            "error": self.error,
            "unusable": self.unusable,
        }


def stale_templates(svc: FaceHost, model: str) -> list[Stale]:
    """Every template not made by ``model`` (worker thread)."""
    with svc.platform.read_session() as s:
        rows = s.execute(
            select(
                FaceTemplate.id, FacePerson.person_id, FacePerson.name, FaceTemplate.photo_sealed
            )
            .join(FacePerson, FacePerson.id == FaceTemplate.person_pk)
            .where(FaceTemplate.model != model)
            .order_by(FaceTemplate.id)
        )
        return [Stale(*r) for r in rows]


class Migration:
    """The background re-enrolment of one face service (one at a time)."""

    def __init__(self) -> None:
        self.progress = Progress()
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        """Whether a re-enrolment is under way."""
        return self._task is not None and not self._task.done()

    def start(self, svc: FaceHost, actor: str = "system") -> bool:
        """Start re-enrolling (False when one is already running)."""
        if self.running:
            return False
        self.progress = Progress(state="running", started_at=time.monotonic())
        self._task = asyncio.create_task(self._run(svc, actor), name="face-migration")
        return True

    async def stop(self) -> None:
        """Cancel a running re-enrolment (what is done stays done)."""
        await stop_task(self._task)
        self._task = None

    async def _run(self, svc: FaceHost, actor: str) -> None:
        p = self.progress
        p.model = svc.engine_model
        try:
            stale = await asyncio.to_thread(stale_templates, svc, p.model)
            p.total = len(stale)
            await svc.platform.audit.record(
                actor, "face.migration_start", p.model, {"templates": p.total}
            )
            for item in stale:
                problem = await self._one(svc, item, actor)
                p.done += 1
                if problem:
                    p.unusable.append(
                        {"person_id": item.person_id, "name": item.name, "reason": problem}
                    )
                else:
                    p.migrated += 1
                if p.done % 50 == 0:
                    log.info("face re-enrolment: %d/%d", p.done, p.total)
            p.state = "done"
        except asyncio.CancelledError:
            p.state = "cancelled"
            raise
        except Exception as exc:  # storage down: say so, keep what was done
            log.exception("face re-enrolment failed")
            p.state, p.error = "failed", f"{type(exc).__name__}: {exc}"
        finally:
            p.finished_at = time.monotonic()
            svc.stale = max(p.total - p.migrated, 0)
        detail = {"migrated": p.migrated, "unusable": [u["person_id"] for u in p.unusable]}
        await svc.platform.audit.record(actor, "face.migration_done", p.model, detail)
        log.info(
            "face re-enrolment %s: %d migrated, %d unusable", p.state, p.migrated, len(p.unusable)
        )

    async def _one(self, svc: FaceHost, item: Stale, actor: str) -> str:
        """Re-enrol one template; the reason it could not be ('' when it was)."""
        if item.photo_sealed is None:
            return "no_photo"
        try:
            photo = svc.platform.secrets.open(
                item.photo_sealed, store.photo_purpose(item.person_id)
            )
        except SecretError:
            return "photo_does_not_open"
        try:
            analysis = await svc.analyse(photo, describe=1)
        except FaceRefused as exc:
            return exc.reasons[0].code
        if not analysis.faces or analysis.faces[0].descriptor is None:
            return "face.none"
        face = analysis.faces[0]
        sealed = svc.platform.secrets.seal(
            face.descriptor or b"", store.template_purpose(item.person_id)
        )

        def job(ctx: WriteContext) -> int | None:
            old = ctx.session.get(FaceTemplate, item.template_id)
            if old is None:  # erased meanwhile
                return None
            new = FaceTemplate(
                person_pk=old.person_pk, model=analysis.model, descriptor_sealed=sealed,
                photo_sealed=old.photo_sealed, quality=face.quality.as_dict(),
                created_at=old.created_at,
            )  # fmt: skip
            ctx.session.delete(old)
            ctx.session.add(new)
            ctx.session.flush()
            svc.platform.audit.append(
                ctx, actor, "face.reenroll", item.person_id,
                {"from_template": item.template_id, "template": new.id, "model": analysis.model},
            )  # fmt: skip
            return new.id

        tid = await svc.platform.writer.run(job)
        if tid is None:
            return "erased"
        svc.index.add(tid, item.person_id, face.vector)
        return ""
