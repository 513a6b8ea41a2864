"""PTZ from the console and from linkage rules: a camera's presets, going to one, and a
short move, over ONVIF (:mod:`anfang.subsystems.video.adapters.onvif`); each command
audited."""

from __future__ import annotations

from typing import Any

from anfang.core.errors import DomainError
from anfang.core.linkage import LinkageRequest
from anfang.subsystems.video.adapters import onvif
from anfang.subsystems.video.media import MediaService
from anfang.subsystems.video.service import password_purpose
from anfang.subsystems.video.store import camera_by_code


async def _target(svc: MediaService, code: str) -> tuple[str, str | None, str | None]:
    cam = await svc.read(lambda s: camera_by_code(s, code))
    if cam is None:
        raise DomainError(f"no camera {code!r}", 404)
    if not cam.onvif_url:
        raise DomainError(f"camera {code!r} has no ONVIF address", 422)
    password = None
    if cam.password_sealed:
        password = svc.platform.secrets.open(cam.password_sealed, password_purpose(code)).decode()
    return cam.onvif_url, cam.username, password


def _refused(exc: onvif.OnvifError) -> DomainError:
    return DomainError(exc.message, exc.status)


async def presets(svc: MediaService, code: str) -> list[dict[str, str]]:
    """The presets of the camera's PTZ profiles."""
    url, user, password = await _target(svc, code)
    try:
        info = await onvif.read_device(url, user, password)
    except onvif.OnvifError as exc:
        raise _refused(exc) from exc
    if not info.ptz:
        return []
    return [
        {"token": p.token, "name": p.name, "profile": prof.token}
        for prof in info.profiles
        for p in prof.presets
    ]


async def goto(svc: MediaService, actor: str, code: str, preset: str) -> None:
    """Turn the camera to a preset (audited)."""
    url, user, password = await _target(svc, code)
    try:
        await onvif.goto_preset(url, user, password, preset)
    except onvif.OnvifError as exc:
        raise _refused(exc) from exc
    await svc.platform.audit.record(actor, "video.ptz.preset", code, {"preset": preset})


async def move(
    svc: MediaService, actor: str, code: str, pan: float, tilt: float, zoom: float
) -> None:
    """Move the camera briefly (audited)."""
    url, user, password = await _target(svc, code)
    try:
        await onvif.move(url, user, password, pan, tilt, zoom)
    except onvif.OnvifError as exc:
        raise _refused(exc) from exc
    detail = {"pan": pan, "tilt": tilt, "zoom": zoom}
    await svc.platform.audit.record(actor, "video.ptz.move", code, detail)


def preset_handler(svc: MediaService) -> Any:
    """The linkage action ``ptz_preset`` (a rule's camera and preset)."""

    async def handle(req: LinkageRequest) -> list[dict[str, Any]]:
        code = str(req.params.get("camera") or (req.cameras[0] if req.cameras else ""))
        await goto(svc, f"rule-linkage:{req.alarm_id}", code, str(req.params["preset"]))
        return []

    return handle
