"""REST API of the face engine itself (mounted under ``/api/v1``): its status, operating
points and model files, and the re-enrolment after a change of engine."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException

from anfang.api.deps import PlatformDep
from anfang.face.api import Reader, Writer, _svc

router = APIRouter(tags=["face"])


@router.get("/face/status")
def status(_: Reader, platform: PlatformDep) -> dict[str, Any]:
    """The engine, its operating points, the index and the templates waiting to be
    re-enrolled."""
    svc = _svc(platform)
    return {
        "engine": svc.config.engine,
        "model": svc.engine_model,
        "templates": len(svc.index),
        "people": len(svc.people),
        "stale_templates": svc.stale,
        "threshold": svc.threshold,
        "operating_point": svc.config.point.as_dict(),
        "liveness": svc.config.liveness,
        "liveness_min_score": svc.config.liveness_min_score,
        "workers": svc.config.workers,
    }


@router.get("/face/migration")
def migration(_: Reader, platform: PlatformDep) -> dict[str, Any]:
    """Progress of the re-enrolment, and the people without a usable photo (to be
    photographed again by the property office)."""
    svc = _svc(platform)
    return {"stale_templates": svc.stale, **svc.migration.progress.as_dict()}


@router.post("/face/migration", status_code=202)
async def start_migration(who: Writer, platform: PlatformDep) -> dict[str, Any]:
    """Re-enrol every template of another engine now (it also starts by itself when the
    platform starts); 409 while one is running."""
    svc = _svc(platform)
    if not svc.migration.start(svc, actor=who.actor):
        raise HTTPException(409, "a re-enrolment is already running")
    return svc.migration.progress.as_dict()
