"""Enrolment, erasure and watch lists: what changes the people the face service knows.

Each change is one writer job that also appends its audit entry, and then updates the
in-memory index, so the index never holds a template the database does not.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import select

from anfang.core.writer import WriteContext
from anfang.face import store
from anfang.face.models import Consent, FacePerson, FaceSnapshot, FaceTemplate, PersonOut
from anfang.face.quality import problems
from anfang.face.reasons import Reason
from anfang.face.results import Enrolment, FaceError, refuse
from anfang.store.models import Resident

if TYPE_CHECKING:
    from anfang.face.config import FaceConfig
    from anfang.face.engine import Analysis
    from anfang.face.index import FaceIndex
    from anfang.kernel import Kernel


class FaceHost(Protocol):
    """What enrolment and erasure need of the face service."""

    platform: Kernel
    config: FaceConfig
    index: FaceIndex
    people: dict[str, store.PersonMeta]
    stale: int

    @property
    def engine_model(self) -> str:
        """The model id of the running engine."""

    @property
    def threshold(self) -> float:
        """The similarity an entrance match needs."""

    async def analyse(
        self,
        image: bytes,
        *,
        describe: int,
        want_crop: bool = False,
        tiles: bool | None = None,
        liveness: bool = False,
    ) -> Analysis:
        """Detect, check and describe the faces of one image."""


KINDS = ("resident", "staff", "visitor", "watch")


async def enroll(
    svc: FaceHost,
    image: bytes,
    *,
    person_id: str,
    name: str,
    actor: str,
    kind: str = "resident",
    resident_id: int | None = None,
    consent: Consent | None = None,
    replace: bool = False,
) -> Enrolment:
    """Check a photo's quality and store its template (sealed) and a small face photo.

    Raises :class:`~anfang.face.reasons.FaceRefused` with every quality problem found,
    or :class:`~anfang.face.service.FaceError` for a bad person or kind.
    """
    if kind not in KINDS:
        raise FaceError(422, f"kind must be one of {', '.join(KINDS)}")
    if resident_id is not None and not await asyncio.to_thread(_resident_exists, svc, resident_id):
        raise FaceError(422, f"no resident {resident_id}")
    analysis = await svc.analyse(image, describe=1, want_crop=True)
    if not analysis.faces:
        raise refuse([Reason("face.none")])
    face = analysis.faces[0]
    # Faces far smaller than the largest are people in the background (the detector finds
    # faces down to ~15 px), and a face cut by the photo's edge is a bystander half out of
    # frame: only a second whole face of comparable size makes a photo ambiguous.
    rivals = [
        f for f in analysis.faces[1:]
        if _height(f.box) >= 0.5 * _height(face.box)
        and not _at_edge(f.box, analysis.width, analysis.height)
    ]  # fmt: skip
    if rivals:
        raise refuse([Reason("face.many", f"{len(rivals) + 1} faces")])
    bad = problems(face.quality, svc.config.quality)
    if bad:
        raise refuse(bad)
    vec = face.vector
    hits = await asyncio.to_thread(svc.index.search, vec, 2)
    duplicate = next(
        (h.person_id for h in hits if h.person_id != person_id and h.similarity >= svc.threshold),
        None,
    )
    box = svc.platform.secrets
    sealed = box.seal(face.descriptor or b"", store.template_purpose(person_id))
    photo = (
        box.seal(analysis.crop_jpeg, store.photo_purpose(person_id)) if analysis.crop_jpeg else None
    )
    quality = face.quality.as_dict()
    limit = svc.config.max_templates_per_person

    def job(ctx: WriteContext) -> tuple[PersonOut, int, list[int], store.PersonMeta]:
        p = store.upsert_person(
            ctx, person_id, name, kind, resident_id, consent or Consent(), actor
        )
        s = ctx.session
        old = list(
            s.scalars(
                select(FaceTemplate).where(FaceTemplate.person_pk == p.id).order_by(FaceTemplate.id)
            )
        )
        # Keep at most ``limit`` templates: the oldest go first (faces change with age).
        drop = old if replace else old[: max(0, len(old) - limit + 1)]
        for t in drop:
            s.delete(t)
        t = FaceTemplate(
            person_pk=p.id, model=analysis.model, descriptor_sealed=sealed,
            photo_sealed=photo, quality=quality,
        )  # fmt: skip
        s.add(t)
        s.flush()
        detail = {
            "kind": kind,
            "consent_basis": p.consent_basis,
            "template": t.id,
            "replaced": len(drop),
        }
        svc.platform.audit.append(ctx, actor, "face.enroll", person_id, detail)
        count = len(old) - len(drop) + 1
        return store.person_out(p, count), t.id, [d.id for d in drop], store.meta_of(p)

    out, tid, dropped, meta = await svc.platform.writer.run(job)
    for d in dropped:
        svc.index.remove(d)
    svc.index.add(tid, person_id, vec)
    svc.people[person_id] = meta
    return Enrolment(out, tid, quality, duplicate)


def _height(box: tuple[int, int, int, int]) -> int:
    return box[3] - box[1]


def _at_edge(box: tuple[int, int, int, int], width: int, height: int, px: int = 3) -> bool:
    return box[0] < px or box[1] < px or box[2] >= width - px or box[3] >= height - px


def _resident_exists(svc: FaceHost, resident_id: int) -> bool:
    with svc.platform.read_session() as s:
        return s.get(Resident, resident_id) is not None


async def erase(svc: FaceHost, person_id: str, *, actor: str, reason: str = "") -> dict[str, int]:
    """Delete a person's templates, photos and snapshots and the person; the audit log
    keeps only that it happened (who, when, how many)."""

    def job(ctx: WriteContext) -> dict[str, int] | None:
        p = ctx.session.scalar(select(FacePerson).where(FacePerson.person_id == person_id))
        if p is None:
            return None
        counts = store.erase_rows(ctx, p)
        svc.platform.audit.append(ctx, actor, "face.erase", person_id, {"reason": reason, **counts})
        return counts

    counts = await svc.platform.writer.run(job)
    if counts is None:
        raise FaceError(404, f"no enrolled person {person_id!r}")
    svc.index.remove_person(person_id)
    svc.people.pop(person_id, None)
    return counts


async def erase_resident(svc: FaceHost, resident_id: int, *, actor: str) -> list[str]:
    """Erase every face person linked to a resident (they moved out); their person ids."""

    def find() -> list[str]:
        with svc.platform.read_session() as s:
            q = select(FacePerson.person_id).where(FacePerson.resident_id == resident_id)
            return list(s.scalars(q))

    ids = await asyncio.to_thread(find)
    for pid in ids:
        await erase(svc, pid, actor=actor, reason="moved out")
    return ids


async def set_watch(
    svc: FaceHost, person_id: str, list_name: str | None, priority: int, note: str, *, actor: str
) -> PersonOut:
    """Put a person on a watch list (``list_name``) or take them off (None); audited."""

    def job(ctx: WriteContext) -> tuple[PersonOut, store.PersonMeta] | None:
        s = ctx.session
        p = s.scalar(select(FacePerson).where(FacePerson.person_id == person_id))
        if p is None:
            return None
        p.watch_list = list_name or None
        p.watch_priority = priority if list_name else None
        p.watch_note = note if list_name else ""
        s.flush()
        detail = {"list": list_name, "priority": p.watch_priority}
        svc.platform.audit.append(ctx, actor, "face.watch", person_id, detail)
        return store.person_out(p, store.count_templates(s, p.id)), store.meta_of(p)

    done = await svc.platform.writer.run(job)
    if done is None:
        raise FaceError(404, f"no enrolled person {person_id!r}")
    out, meta = done
    svc.people[person_id] = meta
    return out


async def snapshot(svc: FaceHost, snapshot_id: str, *, actor: str) -> bytes:
    """A watch-list snapshot's image (viewing it is audited)."""

    def read() -> FaceSnapshot | None:
        with svc.platform.read_session() as s:
            return s.get(FaceSnapshot, snapshot_id)

    snap = await asyncio.to_thread(read)
    if snap is None:
        raise FaceError(404, f"no snapshot {snapshot_id!r}")
    await svc.platform.audit.record(
        actor, "face.snapshot_view", snapshot_id, {"person_id": snap.person_id}
    )
    return svc.platform.secrets.open(snap.image_sealed, store.snapshot_purpose(snapshot_id))


async def reconcile(svc: FaceHost) -> list[str]:
    """Drop from memory the people whose rows went with their resident (the foreign key
    cascades when a resident is removed), and record each erasure in the audit log."""

    def present() -> set[str]:
        with svc.platform.read_session() as s:
            return set(s.scalars(select(FacePerson.person_id)))

    alive = await asyncio.to_thread(present)
    gone = [pid for pid in list(svc.people) if pid not in alive]
    for pid in gone:
        templates = svc.index.remove_person(pid)
        svc.people.pop(pid, None)
        detail = {"reason": "resident removed", "templates": templates}
        await svc.platform.audit.record("system", "face.erase", pid, detail)
    return gone
