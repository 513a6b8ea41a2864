"""Face and QR presentations: ask the face service or the visitor passes, store the
capture, then record the decision through :class:`AccessService.present`."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from anfang.face.service import FACE
from anfang.subsystems.access import captures, passes_service, rules
from anfang.subsystems.access.host import Capture, Outcome
from anfang.subsystems.access.service import AccessService

log = logging.getLogger(__name__)


class BadCapture(ValueError):
    """The face service refused the image itself (not an image, broken, too big)."""


@dataclass(frozen=True, slots=True)
class FaceView:
    """The parts of a face-service answer a decision needs."""

    faces: int
    person_id: str | None
    name: str | None
    similarity: float | None
    watchlist: Any
    liveness: float | None = None


def _get(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def face_view(result: Any) -> FaceView:
    """Read an ``identify`` result (an object or a dict of the documented shape)."""
    match = _get(result, "match")
    faces = _get(result, "faces")
    watch = _get(result, "watchlist") or _get(result, "watch_list") or _get(result, "watch")
    live = _get(result, "liveness")
    live = float(live) if isinstance(live, int | float) else None
    if match is None:
        return FaceView(int(faces or 0), None, None, None, watch, live)
    similarity = _get(match, "similarity")
    return FaceView(
        int(faces or 1),
        str(_get(match, "person_id")),
        _get(match, "name"),
        float(similarity) if similarity is not None else None,
        watch,
        live,
    )


async def present_face(
    svc: AccessService, device_code: str, reader: str | None, image: bytes, liveness: bool | None
) -> Outcome:
    """Identify a capture and decide; unit-door strangers and watch-list hits are recorded."""
    saved = await asyncio.to_thread(captures.save, svc.platform, image)
    media = [{"type": "capture", "name": saved.image, "thumb": saved.thumb}]
    extra: dict[str, Any] = {"capture": saved.image, "thumb": saved.thumb}
    cap = Capture(saved)
    if liveness is not None:
        extra["liveness"] = "pass" if liveness else "fail"
    if liveness is False:
        return await svc.present(
            device_code, reader, "face", "", decided=rules.Decision(False, "liveness_failed"),
            extra=extra, media=media, capture=cap,
        )  # fmt: skip
    face = svc.platform.capabilities.get(FACE)
    if face is None:
        denied = rules.Decision(False, "face_unavailable")
        return await svc.present(
            device_code,
            reader,
            "face",
            "",
            decided=denied,
            extra=extra,
            media=media,
            capture=cap,
        )
    door = _door_of(svc, device_code, reader)
    unit_door = door is not None and (door.unit_id is not None or door.kind == "door")
    try:
        result = await face.identify(
            image,
            source=device_code,
            door=door.code if door else None,
            record_stranger=unit_door,  # the face module keeps strangers at unit doors
            liveness=liveness,  # the terminal's verdict; without one the server scores it
        )
        view = face_view(result)
    except ValueError as exc:  # the face module's refusal (FaceRefused) of a bad image
        codes = {getattr(r, "code", "") for r in getattr(exc, "reasons", [])}
        if "liveness.server_fail" in codes:  # not a bad image: a face that is not live
            extra["liveness"] = "server_fail"
            return await svc.present(
                device_code, reader, "face", "", decided=rules.Decision(False, "liveness_failed"),
                extra=extra, media=media, capture=cap,
            )  # fmt: skip
        raise BadCapture(str(exc)) from exc
    except Exception:
        log.exception("face identify failed")
        denied = rules.Decision(False, "face_unavailable")
        return await svc.present(
            device_code,
            reader,
            "face",
            "",
            decided=denied,
            extra=extra,
            media=media,
            capture=cap,
        )
    extra["faces"] = view.faces
    if view.liveness is not None:
        extra["liveness_score"] = round(view.liveness, 3)
    if view.person_id is not None:
        extra["face"] = {
            "person_id": view.person_id, "name": view.name, "similarity": view.similarity,
        }  # fmt: skip
    decided: rules.Decision | None = None
    if view.watchlist:
        extra["watchlist"] = view.watchlist if isinstance(view.watchlist, dict | list) else True
        decided = rules.Decision(False, "face_watchlist", holder_name=view.name)
        hold = _get(view.watchlist, "event")
        cap = Capture(saved, str(hold) if hold else None)  # kept while its alarm is open
    elif view.faces == 0:
        decided = rules.Decision(False, "face_no_face")
    elif view.person_id is None:
        decided = rules.Decision(False, "face_unknown")
        if unit_door:
            extra["stranger"] = True  # strangers at unit doors are kept for review
    value = view.person_id or ""
    return await svc.present(
        device_code, reader, "face", value, decided=decided, extra=extra, media=media,
        capture=cap,
    )  # fmt: skip


def _door_of(svc: AccessService, device_code: str, reader: str | None) -> rules.Door | None:
    r = svc.directory.reader(device_code, reader)
    return svc.directory.snap.config.doors.get(r.door_id) if r is not None else None


async def present_qr(
    svc: AccessService, device_code: str, reader: str | None, text: str
) -> Outcome:
    """Verify a visitor QR code through the passes module (which consumes one use)."""
    door = _door_of(svc, device_code, reader)
    if door is None:
        return await svc.present(
            device_code, reader, "qr", "", decided=rules.Decision(False, "unknown_reader")
        )
    result = await passes_service.check_pass(svc.platform, text, door.code)
    granted = result.granted
    holder = result.holder
    extra = {"pass_id": result.pass_id, "pass_reason": result.reason}
    decided = rules.Decision(granted, "ok" if granted else "qr_refused", holder_name=holder)
    return await svc.present(device_code, reader, "qr", "", decided=decided, extra=extra)
