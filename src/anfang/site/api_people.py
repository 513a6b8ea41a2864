"""REST API of residents (every lookup is audited) and of site and residents imports."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile as FormFile

from anfang.api.deps import PlatformDep, SessionDep, require
from anfang.api.types import DbId
from anfang.auth.rbac import Perm
from anfang.site import reading
from anfang.site import schemas as s
from anfang.site import service as svc
from anfang.site.api_common import (
    Cascade,
    Limit,
    Offset,
    PeopleReader,
    SiteWriter,
    http_errors,
    paged,
)
from anfang.site.importer import MAX_IMPORT_BYTES, ImportFileError, import_site
from anfang.site.residents import import_residents

router = APIRouter()
_people = [Depends(require(Perm.PEOPLE_READ))]  # writing people data also shows it
_devices = [Depends(require(Perm.DEVICES_WRITE))]  # a site file also registers devices
DryRun = Annotated[bool, Query(description="check the file only, import nothing")]


# --------------------------------------------------------------------------- residents


@router.get("/residents", response_model=list[s.ResidentOut], tags=["people"])
async def list_residents(
    who: PeopleReader,
    session: SessionDep,
    platform: PlatformDep,
    response: Response,
    household_id: DbId | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Any:
    """Residents, optionally of one household; the lookup is recorded in the audit log."""
    filters = {"household_id": household_id}
    rows, total = await run_in_threadpool(
        reading.list_rows, session, svc.RESIDENT, filters, limit, offset
    )
    await platform.audit.record(
        who.actor,
        "person.lookup",
        "residents",
        {
            "filters": filters,
            "limit": limit,
            "offset": offset,
            "ids": [r.model_dump()["id"] for r in rows],
        },
    )
    paged(response, total)
    return rows


@router.get("/residents/{resident_id}", response_model=s.ResidentOut, tags=["people"])
async def get_resident(
    resident_id: DbId, who: PeopleReader, session: SessionDep, platform: PlatformDep
) -> Any:
    """One resident; the lookup is recorded in the audit log, found or not."""
    try:
        row = await run_in_threadpool(reading.get_row, session, svc.RESIDENT, resident_id)
    except svc.NotFound:
        row = None
    await platform.audit.record(
        who.actor, "person.lookup", f"resident:{resident_id}", {"found": row is not None}
    )
    with http_errors():
        if row is None:
            raise svc.NotFound(f"resident {resident_id} not found")
    return row


@router.post(
    "/residents",
    response_model=s.ResidentOut,
    status_code=201,
    tags=["people"],
    dependencies=_people,
)
async def create_resident(data: s.ResidentCreate, who: SiteWriter, platform: PlatformDep) -> Any:
    """Add a resident to a household."""
    with http_errors():
        return await svc.create(platform, who.actor, svc.RESIDENT, data)


@router.patch(
    "/residents/{resident_id}", response_model=s.ResidentOut, tags=["people"], dependencies=_people
)
async def update_resident(
    resident_id: DbId, data: s.ResidentUpdate, who: SiteWriter, platform: PlatformDep
) -> Any:
    """Change a resident."""
    with http_errors():
        return await svc.patch(platform, who.actor, svc.RESIDENT, resident_id, data)


@router.delete("/residents/{resident_id}", status_code=204, tags=["people"], dependencies=_people)
async def delete_resident(
    resident_id: DbId, who: SiteWriter, platform: PlatformDep, cascade: Cascade = False
) -> None:
    """Remove a resident."""
    with http_errors():
        await svc.delete(platform, who.actor, svc.RESIDENT, resident_id, cascade=cascade)


# --------------------------------------------------------------------------- imports


def _answer(report: s.ImportReport) -> JSONResponse:
    return JSONResponse(report.model_dump(), status_code=422 if report.errors else 200)


def _refused(exc: ImportFileError) -> JSONResponse:
    report = s.ImportReport(errors=[s.ImportIssue(message=exc.message)])
    return JSONResponse({"detail": exc.message, **report.model_dump()}, status_code=exc.status)


async def _capped_body(request: Request) -> bytes:
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_IMPORT_BYTES:
            raise ImportFileError(f"file is larger than {MAX_IMPORT_BYTES} bytes (10 MB)", 413)
    return bytes(data)


async def _capped_upload(upload: FormFile) -> bytes:
    data = await upload.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportFileError(
            f"{upload.filename} is larger than {MAX_IMPORT_BYTES} bytes (10 MB)", 413
        )
    return data


@router.post(
    "/imports/site",
    response_model=s.ImportReport,
    tags=["imports"],
    dependencies=_devices,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/yaml": {"schema": {"type": "string"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                },
            }
        }
    },
)
async def import_site_route(
    request: Request, who: SiteWriter, platform: PlatformDep, dry_run: DryRun = False
) -> JSONResponse:
    """Import a site file (docs/site-file.md): the YAML as the body, or a ``file`` upload."""
    try:
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            async with request.form(max_files=1) as form:
                upload = form.get("file")
                if not isinstance(upload, FormFile):
                    raise ImportFileError("multipart upload lacks its 'file' part")
                data = await _capped_upload(upload)
        else:
            data = await _capped_body(request)
        report = await import_site(platform, data, actor=who.actor, dry_run=dry_run)
    except ImportFileError as exc:
        return _refused(exc)
    return _answer(report)


@router.post(
    "/imports/residents", response_model=s.ImportReport, tags=["imports"], dependencies=_people
)
async def import_residents_route(
    file: UploadFile, who: SiteWriter, platform: PlatformDep, dry_run: DryRun = False
) -> JSONResponse:
    """Import residents from a .csv (UTF-8) or .xlsx upload: all rows, or none."""
    try:
        data = await _capped_upload(file)
        report = await import_residents(
            platform, data, file.filename or "", actor=who.actor, dry_run=dry_run
        )
    except ImportFileError as exc:
        return _refused(exc)
    return _answer(report)
