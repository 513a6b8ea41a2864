"""REST API of face recognition (mounted under ``/api/v1``): enrolment, identification,
1:1 verification, operator search (with a reason, audited), people, watch lists, erasure, snapshots.

Refused images answer 413 (too large) or 422 with machine reason codes and zh/en
messages: ``{"detail": ..., "reasons": [{"code", "zh", "en", "detail"}]}``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, UploadFile
from fastapi.responses import JSONResponse, Response

from anfang.api.deps import PlatformDep, Principal, SessionDep, require
from anfang.api.types import DbId
from anfang.auth.rbac import Perm
from anfang.face import people, store
from anfang.face.engine import FaceEngineError
from anfang.face.models import (
    Consent,
    EnrollOut,
    IdentifyOut,
    MatchOut,
    PersonOut,
    SearchIn,
    VerifyOut,
    WatchListIn,
)
from anfang.face.reasons import FaceRefused, Reason
from anfang.face.results import FaceError, Match, refuse
from anfang.face.service import FACE, FaceService
from anfang.kernel import Kernel

router = APIRouter(tags=["face"])
Reader = Annotated[Principal, Depends(require(Perm.PEOPLE_READ))]
Writer = Annotated[Principal, Depends(require(Perm.SITE_WRITE))]
Device = Annotated[Principal, Depends(require(Perm.EVENTS_SUBMIT))]
Image = Annotated[UploadFile, Form(description="JPEG, PNG, BMP or WebP photo")]


def _svc(platform: Kernel) -> FaceService:
    svc = platform.capabilities.get(FACE)
    if svc is None:
        raise HTTPException(503, "face recognition is switched off")
    return svc


def _refused(exc: FaceRefused) -> JSONResponse:
    reasons = [r.as_dict() for r in exc.reasons]
    return JSONResponse({"detail": str(exc), "reasons": reasons}, status_code=exc.status)


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except FaceError as exc:
        raise HTTPException(exc.status, exc.message) from exc
    except FaceEngineError as exc:
        raise HTTPException(503, str(exc), headers={"Retry-After": "1"}) from exc


async def _read(upload: UploadFile, svc: FaceService) -> bytes:
    """The upload's bytes, refusing (413) more than the configured maximum."""
    limit = svc.config.limits.max_bytes
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise refuse([Reason("image.too_large", f"> {limit} bytes")])
    return data


def _match_out(m: Match) -> MatchOut:
    return MatchOut(
        person_id=m.person_id,
        name=m.name,
        similarity=round(m.similarity, 4),
        kind=m.kind,
        watch_list=m.watch_list,
        watch_priority=m.watch_priority,
    )


@router.post("/face/enroll", response_model=EnrollOut, status_code=201)
async def enroll(
    who: Writer,
    platform: PlatformDep,
    image: Image,
    person_id: Annotated[str, Form(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,63}$")],
    name: Annotated[str, Form(min_length=1, max_length=100)],
    kind: Annotated[str, Form()] = "resident",
    resident_id: Annotated[int | None, Form()] = None,
    consent_basis: Annotated[str, Form(max_length=100)] = "",
    consent_by: Annotated[str, Form(max_length=100)] = "",
    consent_given_at: Annotated[datetime | None, Form()] = None,
    replace: Annotated[bool, Form()] = False,
) -> Any:
    """Enrol a person from one photo (exactly one sharp, frontal face, large enough)."""
    svc = _svc(platform)
    if consent_given_at is not None and consent_given_at.tzinfo is None:
        raise HTTPException(422, "consent_given_at must carry a timezone")
    consent = Consent(given_at=consent_given_at, by=consent_by, basis=consent_basis)
    try:
        data = await _read(image, svc)
        with _errors():
            done = await svc.enroll(
                data, person_id=person_id, name=name, actor=who.actor, kind=kind,
                resident_id=resident_id, consent=consent, replace=replace,
            )  # fmt: skip
    except FaceRefused as exc:
        return _refused(exc)
    return EnrollOut(
        person=done.person,
        template_id=done.template_id,
        quality=done.quality,
        duplicate_of=done.duplicate_of,
    )


@router.post("/face/identify", response_model=IdentifyOut)
async def identify(
    who: Device,
    platform: PlatformDep,
    image: Image,
    liveness: Annotated[
        str | None, Form(description="terminal verdict: pass, fail or 0..1")
    ] = None,
    reason: Annotated[str, Form(max_length=300)] = "",
) -> Any:
    """1:N identification of the largest face (the decision interface of devices).

    Audited per call (who, result); operators searching for someone use ``/face/search``.
    """
    svc = _svc(platform)
    try:
        data = await _read(image, svc)
        with _errors():
            res = await svc.identify(data, source=who.username[:64], liveness=liveness)
    except FaceRefused as exc:
        return _refused(exc)
    detail = {"reason": reason, "faces": res.faces, "match": res.match and res.match.person_id}
    await platform.audit.record(who.actor, "face.identify", "", detail)
    return IdentifyOut(
        match=_match_out(res.match) if res.match else None,
        faces=res.faces,
        similarity=None if res.similarity is None else round(res.similarity, 4),
        runner_up=None if res.runner_up is None else round(res.runner_up, 4),
        threshold=res.threshold,
        margin=svc.config.margin,
        quality=res.quality,
        liveness=None if res.liveness is None else round(res.liveness, 3),
        decision_ms=round(res.decision_ms, 1),
    )


@router.post("/face/verify", response_model=VerifyOut)
async def verify(
    who: Device,
    platform: PlatformDep,
    image: Image,
    person_id: Annotated[str, Form(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,63}$")],
) -> Any:
    """1:1: is this the enrolled person (a visitor against the photo of their pass)?
    Audited per call."""
    svc = _svc(platform)
    try:
        data = await _read(image, svc)
        with _errors():
            res = await svc.verify(data, person_id)
    except FaceRefused as exc:
        return _refused(exc)
    detail = {"verified": res.verified, "faces": res.faces}
    await platform.audit.record(who.actor, "face.verify", person_id, detail)
    return VerifyOut(
        person_id=res.person_id,
        verified=res.verified,
        similarity=None if res.similarity is None else round(res.similarity, 4),
        threshold=res.threshold,
        faces=res.faces,
        decision_ms=round(res.decision_ms, 1),
    )


@router.post("/face/search")
async def search(
    who: Reader,
    platform: PlatformDep,
    image: Image,
    reason: Annotated[str, Form(min_length=4, max_length=300)],
    k: Annotated[int, Form(ge=1, le=20)] = 5,
    unit: Annotated[str, Form(max_length=200)] = "",
    requester: Annotated[str, Form(max_length=100)] = "",
) -> Any:
    """An operator's search: the ``k`` most similar people; needs a reason and is recorded
    in the audit log with the requesting unit and person (default: the centre, the caller)."""
    svc = _svc(platform)
    SearchIn(reason=reason, k=k)
    try:
        data = await _read(image, svc)
        with _errors():
            faces, found = await svc.search(
                data, actor=who.actor, reason=reason, k=k, unit=unit, requester=requester
            )
    except FaceRefused as exc:
        return _refused(exc)
    return {
        "faces": faces,
        "threshold": svc.threshold,
        "results": [_match_out(m).model_dump() for m in found],
    }


@router.get("/face/people", response_model=list[PersonOut])
def list_people(
    _: Reader, session: SessionDep, kind: Annotated[str | None, Query()] = None
) -> list[PersonOut]:
    """Everyone enrolled (never their templates or photos)."""
    return store.people(session, kind=kind)


@router.get("/face/people/{person_id}", response_model=PersonOut)
def get_person(person_id: str, _: Reader, session: SessionDep) -> PersonOut:
    """One enrolled person."""
    found = store.people(session, person_id=person_id)
    if not found:
        raise HTTPException(404, f"no enrolled person {person_id!r}")
    return found[0]


@router.get("/face/watch-lists", response_model=list[PersonOut])
def watch_lists(_: Reader, session: SessionDep) -> list[PersonOut]:
    """Everyone on a watch list."""
    return store.people(session, watched=True)


@router.put("/face/people/{person_id}/watch", response_model=PersonOut)
async def set_watch(
    person_id: str, data: WatchListIn, who: Writer, platform: PlatformDep
) -> PersonOut:
    """Put a person on a watch list or (``{"list": null}``) take them off; audited."""
    with _errors():
        return await people.set_watch(
            _svc(platform), person_id, data.list_name, data.priority, data.note, actor=who.actor
        )


@router.delete("/face/people/{person_id}")
async def erase(
    person_id: str,
    who: Writer,
    platform: PlatformDep,
    reason: Annotated[str, Query(max_length=300)] = "",
) -> dict[str, Any]:
    """Erase a person's templates, photos and snapshots (the audit log keeps that it
    happened, not what was erased)."""
    with _errors():
        counts = await _svc(platform).erase(person_id, actor=who.actor, reason=reason)
    return {"erased": person_id, **counts}


@router.post("/face/residents/{resident_id}/erase")
async def erase_resident(resident_id: DbId, who: Writer, platform: PlatformDep) -> dict[str, Any]:
    """Erase the face data of a resident who moved out."""
    ids = await _svc(platform).erase_resident(resident_id, actor=who.actor)
    return {"erased": ids}


@router.get("/face/snapshots/{snapshot_id}")
async def get_snapshot(snapshot_id: str, who: Reader, platform: PlatformDep) -> Response:
    """The capture of a watch-list hit (viewing it is audited)."""
    with _errors():
        data = await people.snapshot(_svc(platform), snapshot_id, actor=who.actor)
    kind = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return Response(data, media_type=kind)
