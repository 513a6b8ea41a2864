"""Where LPR cameras send their reads (mounted under ``/api/v1``), and the captures they
sent (``people.read``, every view audited).

- ``POST /parking/reads``: the vendor-neutral format, signed exactly like
  ``/ingest/events`` (docs/http-push.md); the answer carries the decision.
- ``POST /parking/vzenith``: Vzenith (臻识) cameras' own push; the camera is known by its
  serial number (``meta.serialno`` of a device with protocol ``vzenith``) and must post from
  its configured address; the answer opens its barrier relay or not.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import Counter
from pydantic import ValidationError

from anfang.api.deps import PlatformDep, Principal, require
from anfang.auth.rbac import Perm
from anfang.core.writer import StorageUnavailable
from anfang.ingest import http_push as hp
from anfang.ingest.api import authenticate_device
from anfang.kernel import Kernel
from anfang.subsystems.parking import captures, intake
from anfang.subsystems.parking.adapters import vzenith
from anfang.subsystems.parking.schemas import PlateRead, ReadAnswer

log = logging.getLogger(__name__)
router = APIRouter(prefix="/parking", tags=["parking"])
People = Annotated[Principal, Depends(require(Perm.PEOPLE_READ))]
REFUSED = Counter("anfang_parking_reads_refused_total", "Plate reads refused", ["reason"])
MAX_IMAGE = 2 * 1024 * 1024


def _refused(status: int, reason: str, message: str) -> JSONResponse:
    REFUSED.labels(reason).inc()
    log.warning("plate read refused (%s): %s", reason, message)
    return JSONResponse({"detail": message, "reason": reason}, status_code=status)


@router.post("/reads", response_model=ReadAnswer, openapi_extra={"security": []})
async def post_read(request: Request) -> Response:
    """A camera's plate read (HMAC-signed like ``/ingest/events``); answered with the
    platform's decision once the read and its decision are durable."""
    platform: Kernel = request.app.state.platform
    try:
        head, body = await authenticate_device(request)
    except hp.PushRejected as exc:
        return _refused(exc.status, exc.reason, exc.message)
    try:
        read = PlateRead.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"]) or "body"
        return _refused(422, "bad_field", f"{where}: {first['msg']}")
    image = None
    if read.image:
        try:
            image = base64.b64decode(read.image, validate=True)
        except (binascii.Error, ValueError):
            return _refused(422, "bad_image", "image: not valid base64")
        if len(image) > MAX_IMAGE:
            return _refused(413, "image_too_large", f"image larger than {MAX_IMAGE} bytes")
    fields = {"plate": read.plate, "colour": read.colour, "confidence": read.confidence}
    try:
        answer = await intake.take(platform, head.device, read.id, fields, read.occurred_at, image)
    except StorageUnavailable:
        return _refused(503, "storage_unavailable", "storage unavailable, nothing stored; retry")
    return JSONResponse(answer.model_dump(mode="json"))


@router.post("/vzenith", openapi_extra={"security": []})
async def post_vzenith(request: Request) -> Response:
    """A Vzenith camera's plate result; the answer's ``info`` ``ok`` opens its barrier."""
    platform: Kernel = request.app.state.platform
    body = await request.body()
    if len(body) > platform.settings.max_body_bytes:
        return _refused(413, "too_large", "request body too large")
    try:
        read = vzenith.parse_push(body)
    except vzenith.VzRejected as exc:
        return _refused(400, exc.reason, str(exc))
    camera = await asyncio.to_thread(intake.camera_by_serial, platform, read.serialno)
    peer = request.client.host if request.client else ""
    if camera is None or not camera[2]:
        return _refused(401, "unknown_device", "unknown or disabled camera")
    code, address, _ = camera
    if not address or address.split(":")[0] != peer:
        return _refused(401, "wrong_address", "the camera posted from another address than set")
    plate = None if read.plate.strip() in intake.NO_PLATE else read.plate  # read it from image
    fields: dict[str, Any] = {"plate": plate, "colour": read.colour}
    fields["confidence"] = read.confidence
    at = read.occurred_at or datetime.now(UTC)
    read_id = f"vz-{read.plate_id}" if read.plate_id is not None else f"vz-{at.timestamp()}"
    try:
        answer = await intake.take(platform, code, read_id, fields, at, read.image)
    except StorageUnavailable:
        return _refused(503, "storage_unavailable", "storage unavailable, nothing stored")
    return Response(
        orjson.dumps(vzenith.reply(answer.open, read.plate_id)), media_type="application/json"
    )


@router.get("/captures/{day}/{name}", response_class=Response)
async def capture(day: str, name: str, who: People, platform: PlatformDep) -> Response:
    """A plate capture kept with a read (the view is audited)."""
    data = await asyncio.to_thread(captures.read, platform, f"{day}/{name}")
    if data is None:
        raise HTTPException(404, "no such capture")
    await platform.audit.record(who.actor, "parking.capture_view", f"parking_capture:{day}/{name}")
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private"})
