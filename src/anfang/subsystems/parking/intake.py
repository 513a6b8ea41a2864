"""Plate reads from cameras, whatever their format: a plate the camera did not read taken
from its picture (:mod:`.recognize`, in a worker process), the image kept (sealed), the read stored
as a ``parking.plate`` event (the writer hook decides it in the same transaction), and the
decision handed back for the camera to act on. A read sent again (same camera, same id) is
stored once and answered with the first decision."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from anfang.core.events import Event
from anfang.store.models import Device, EventRow
from anfang.subsystems.parking import captures
from anfang.subsystems.parking.recognize import LPR, MODEL_ID, RecognitionError
from anfang.subsystems.parking.schemas import ReadAnswer

if TYPE_CHECKING:
    from anfang.kernel import Kernel

log = logging.getLogger(__name__)


async def take(
    platform: Kernel,
    device: str,
    read_id: str,
    fields: dict[str, Any],
    occurred_at: datetime,
    image: bytes | None,
) -> ReadAnswer:
    """Store one read (``fields``: plate, colour, confidence as sent) and decide it."""
    payload = {k: v for k, v in fields.items() if v is not None}
    if image and not str(payload.get("plate") or "").strip():
        await _recognise(platform, image, payload)
    if image:
        try:
            payload["capture"] = await asyncio.to_thread(
                captures.save, platform, image, occurred_at
            )
        except captures.ImageRefused as exc:
            payload["image_refused"] = str(exc)[:200]
    ev = Event.create(
        "parking.plate", device, occurred_at=occurred_at, payload=payload,
        idempotency_key=f"{device}:{read_id}",
    )  # fmt: skip
    stored = await platform.pipeline.submit(ev)
    if stored.duplicate:
        if "capture" in payload:
            await asyncio.to_thread(captures.discard, platform, payload["capture"])
        payload = await asyncio.to_thread(_stored_payload, platform, stored.event.id)
    return ReadAnswer(
        event_id=stored.event.id,
        duplicate=stored.duplicate,
        plate=payload.get("plate") if payload.get("verdict") == "ok" else None,
        verdict=str(payload.get("verdict", "")),
        open=bool(payload.get("open")),
        reason=str(payload.get("reason", "")),
        extra={k: payload[k] for k in ("class", "lot", "direction", "session_id") if k in payload},
    )


NO_PLATE = frozenset({"", "无", "无牌车", "_无_", "无车牌"})  # what cameras write for "unread"


async def _recognise(platform: Kernel, image: bytes, payload: dict[str, Any]) -> None:
    """Read the plate from the picture (in a worker process) into ``payload``."""
    pool = platform.capabilities.get(LPR)
    if pool is None:
        payload["recognition"] = "recognition is switched off (ANFANG_PARKING_LPR_WORKERS=0)"
        return
    try:
        reading = await pool.read(image)
    except RecognitionError as exc:
        payload["recognition"] = f"{exc.reason}: {exc}"[:200]
        return
    payload |= {"plate": reading.text, "confidence": reading.confidence}
    payload["recognized_by"] = MODEL_ID


def _stored_payload(platform: Kernel, event_id: str) -> dict[str, Any]:
    with platform.read_session() as s:
        row = s.get(EventRow, event_id)
        return dict(row.payload) if row is not None else {}


def camera_by_serial(platform: Kernel, serial: str) -> tuple[str, str, bool] | None:
    """A Vzenith camera by its serial number: its code, address and whether it is enabled."""
    with platform.read_session() as s:
        for code, address, enabled, meta in s.execute(
            select(Device.code, Device.address, Device.enabled, Device.meta).where(
                Device.protocol == "vzenith"
            )
        ):
            if isinstance(meta, dict) and meta.get("serialno") == serial:
                return code, address, enabled
    return None
