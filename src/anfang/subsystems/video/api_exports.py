"""The video export API: a recorded range cut to one MP4 with its SHA-256, the reason and
who asked for it; exports for publication masked, and (with long ones) approved by a
second person first."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from anfang.api.deps import PlatformDep
from anfang.api.types import DbId
from anfang.core.retrieval import detail
from anfang.subsystems.video import export as ex
from anfang.subsystems.video import export_jobs as jobs
from anfang.subsystems.video import listings
from anfang.subsystems.video.api_media import (
    Exporter,
    RangeIn,
    Viewer,
    camera_or_404,
    http_errors,
    media_service,
)
from anfang.subsystems.video.media import MediaService
from anfang.subsystems.video.playback import check_range, resolve

router = APIRouter(prefix="/video", tags=["video"])


class ExportIn(RangeIn):
    """An export request. ``publication``: for release to the public; faces and plates are
    masked, and a second person must approve it (as any export longer than
    ``ANFANG_VIDEO_EXPORT_APPROVAL_MINUTES``)."""

    publication: bool = False


class ApprovalIn(BaseModel):
    """A second person's decision on an export."""

    approve: bool
    note: str = Field(default="", max_length=500)


# ---------------------------------------------------------------- export


@router.post("/exports", status_code=202)
async def create_export(data: ExportIn, who: Exporter, platform: PlatformDep) -> dict[str, Any]:
    """Export a range to one MP4 (remux in a worker thread); poll the export for its state."""
    svc = media_service(platform)
    with http_errors():
        check_range(data.start, data.end)
    cam = await camera_or_404(svc, data.camera)
    with http_errors():
        out = await ex.request_export(platform, who.actor, cam, data, detail(data, who.actor))
    if out["state"] == "running":
        svc.spawn(
            jobs.run_export(platform, svc.root, out["id"], cam, data.camera, svc.export_progress)
        )
    return out


@router.post("/exports/{export_id}/approval", status_code=202)
async def approve_export(
    export_id: DbId, data: ApprovalIn, who: Exporter, platform: PlatformDep
) -> dict[str, Any]:
    """A second person approves (and starts) or rejects an export awaiting approval; the
    one who asked for it may not (409)."""
    svc = media_service(platform)
    with http_errors():
        out, cam = await ex.decide(platform, who.actor, export_id, data.approve, data.note)
    if out["state"] == "running" and cam is not None:
        svc.spawn(
            jobs.run_export(platform, svc.root, export_id, cam, out["camera"], svc.export_progress)
        )
    return out


@router.get("/exports")
async def list_exports(
    _: Viewer, platform: PlatformDep, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[dict[str, Any]]:
    """The latest exports."""
    svc = media_service(platform)
    rows: list[dict[str, Any]] = await svc.read(lambda s: listings.export_rows(s, None, limit))
    return [_shown(svc, r) for r in rows]


def _shown(svc: MediaService, row: dict[str, Any]) -> dict[str, Any]:
    """An export as the API shows it: no file path; a running one's progress."""
    out = {k: v for k, v in row.items() if k != "path"}
    out["progress"] = svc.export_progress.of(row["id"]) if row["state"] == "running" else None
    return out


async def _one_export(svc: MediaService, export_id: DbId) -> dict[str, Any]:
    rows: list[dict[str, Any]] = await svc.read(lambda s: listings.export_rows(s, export_id, 1))
    if not rows:
        raise HTTPException(404, f"no export {export_id}")
    return rows[0]


@router.get("/exports/{export_id}")
async def get_export(export_id: DbId, _: Viewer, platform: PlatformDep) -> dict[str, Any]:
    """One export and its state (``awaiting_approval``, ``running`` with its ``progress``,
    ``done``, ``failed``, ``rejected``)."""
    svc = media_service(platform)
    return _shown(svc, await _one_export(svc, export_id))


@router.get("/exports/{export_id}/download")
async def download_export(export_id: DbId, who: Exporter, platform: PlatformDep) -> FileResponse:
    """The exported MP4 (audited); its SHA-256 is in ``X-Content-SHA256``."""
    svc = media_service(platform)
    row = await _one_export(svc, export_id)
    if row["state"] != "done":
        raise HTTPException(409, f"export {export_id} is {row['state']}")
    with http_errors():
        path = resolve(svc.root, row["path"])
    await platform.audit.record(
        who.actor, "video.export.download", row["camera"], {"export": export_id}
    )
    return FileResponse(
        path,
        media_type="video/mp4",
        filename=path.name,
        headers={"X-Content-SHA256": row["sha256"]},
    )
