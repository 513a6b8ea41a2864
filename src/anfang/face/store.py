"""Database side of faces: writer jobs (enrol, erase, watch lists) and start-up loading.

Runs on the writer thread (``ctx``) or in a worker thread (loading); never in the loop.
Descriptors and photos are sealed before they reach a row and opened only here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from anfang.core import defaults
from anfang.core.secretbox import SecretBox, SecretError
from anfang.core.writer import WriteContext
from anfang.face.models import Consent, FacePerson, FaceSnapshot, FaceTemplate, PersonOut
from anfang.store.base import utcnow

WATCH_DEFINITION: dict[str, Any] = {
    "key": "face_watchlist",
    "name": "人脸布控告警",
    "kinds": ["face.watchlist_hit"],
    "priority": 1,
    "ack_timeout_s": 30,
    "procedure": (
        "1. 查看抓拍与布控照片核实身份；2. 调取该出入口摄像机画面；"
        "3. 派保安前往并按布控要求处置（必要时报警110）；4. 填写处理结果。"
    ),
}


def template_purpose(person_id: str) -> str:
    """Associated data of a person's sealed descriptors."""
    return f"face:{person_id}"


def photo_purpose(person_id: str) -> str:
    """Associated data of a person's sealed photos."""
    return f"face-photo:{person_id}"


def snapshot_purpose(snapshot_id: str) -> str:
    """Associated data of a sealed watch-list snapshot."""
    return f"face-snapshot:{snapshot_id}"


@dataclass(frozen=True, slots=True)
class PersonMeta:
    """What a decision needs to know of a person (kept in memory)."""

    person_id: str
    name: str
    kind: str
    watch_list: str | None
    watch_priority: int | None


def meta_of(p: FacePerson) -> PersonMeta:
    """A row's in-memory summary."""
    return PersonMeta(p.person_id, p.name, p.kind, p.watch_list, p.watch_priority)


def person_out(p: FacePerson, templates: int) -> PersonOut:
    """A row as the API shows it."""
    consent = Consent(given_at=p.consent_given_at, by=p.consent_by, basis=p.consent_basis)
    return PersonOut(
        person_id=p.person_id,
        name=p.name,
        kind=p.kind,
        resident_id=p.resident_id,
        consent=consent,
        watch_list=p.watch_list,
        watch_priority=p.watch_priority,
        templates=templates,
        created_at=p.created_at,
    )


def load_all(
    session: Session, box: SecretBox, model: str, dim: int
) -> tuple[list[PersonMeta], list[int], list[str], NDArray[np.float32], list[int]]:
    """Every person, and every template of ``model`` that opens: (people, ids, person ids,
    vectors, ids of templates that did not open — wrong key file or altered rows)."""
    metas = [meta_of(p) for p in session.scalars(select(FacePerson))]
    rows = session.execute(
        select(FaceTemplate.id, FaceTemplate.descriptor_sealed, FacePerson.person_id)
        .join(FacePerson, FacePerson.id == FaceTemplate.person_pk)
        .where(FaceTemplate.model == model)
        .order_by(FaceTemplate.id)
    )
    ids: list[int] = []
    pids: list[str] = []
    raws: list[bytes] = []
    bad: list[int] = []
    for tid, sealed, pid in rows:
        try:
            raws.append(box.open(sealed, template_purpose(pid)))
        except SecretError:
            bad.append(tid)
            continue
        ids.append(tid)
        pids.append(pid)
    matrix = np.frombuffer(b"".join(raws), dtype=np.float32).reshape(-1, dim)
    return metas, ids, pids, matrix, bad


def stale_count(session: Session, model: str) -> int:
    """How many templates were made by another engine than ``model``."""
    q = select(func.count()).select_from(FaceTemplate).where(FaceTemplate.model != model)
    return int(session.scalar(q) or 0)


def count_templates(session: Session, person_pk: int) -> int:
    """How many templates a person has."""
    n = session.scalar(select(func.count()).where(FaceTemplate.person_pk == person_pk))
    return int(n or 0)


def seed_watch_definition(ctx: WriteContext) -> None:
    """Make sure an alarm definition raises watch-list hits (by its key; edits are kept)."""
    defaults.seed(ctx, [WATCH_DEFINITION])


def erase_rows(ctx: WriteContext, person: FacePerson) -> dict[str, int]:
    """Delete a person's templates, photos, snapshots and row; counts of what went."""
    s = ctx.session
    templates = count_templates(s, person.id)
    snaps = s.execute(delete(FaceSnapshot).where(FaceSnapshot.person_id == person.person_id))
    s.execute(delete(FaceTemplate).where(FaceTemplate.person_pk == person.id))
    s.delete(person)
    s.flush()
    return {"templates": templates, "snapshots": int(getattr(snaps, "rowcount", 0) or 0)}


def upsert_person(
    ctx: WriteContext,
    person_id: str,
    name: str,
    kind: str,
    resident_id: int | None,
    consent: Consent,
    actor: str,
) -> FacePerson:
    """The person's row, created or updated with the given name, kind and consent."""
    s = ctx.session
    p = s.scalar(select(FacePerson).where(FacePerson.person_id == person_id))
    if p is None:
        p = FacePerson(person_id=person_id, created_by=actor)
        s.add(p)
    p.name = name
    p.kind = kind
    if resident_id is not None:
        p.resident_id = resident_id
    p.consent_given_at = consent.given_at or p.consent_given_at or utcnow()
    p.consent_by = consent.by or p.consent_by or actor
    p.consent_basis = consent.basis or p.consent_basis
    s.flush()
    return p


def people(
    session: Session,
    *,
    kind: str | None = None,
    person_id: str | None = None,
    watched: bool = False,
) -> list[PersonOut]:
    """Enrolled people by id (of one kind, one person, or those on a watch list), with
    how many templates each has."""
    counts = dict(
        session.execute(
            select(FaceTemplate.person_pk, func.count()).group_by(FaceTemplate.person_pk)
        ).all()
    )
    q = select(FacePerson).order_by(FacePerson.person_id)
    if kind:
        q = q.where(FacePerson.kind == kind)
    if person_id is not None:
        q = q.where(FacePerson.person_id == person_id)
    if watched:
        q = q.where(FacePerson.watch_list.is_not(None))
    return [person_out(p, int(counts.get(p.id, 0))) for p in session.scalars(q)]
