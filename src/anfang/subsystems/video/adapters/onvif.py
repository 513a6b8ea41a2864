"""ONVIF (Profile S) through onvif-zeep-async: device information, media profiles, their
RTSP stream and snapshot URIs, PTZ presets where the camera has PTZ, and PTZ control
(go to a preset, move and stop).

A camera that cannot be reached, refuses the credentials or answers nonsense gives an
:class:`OnvifError` that says which, never a zeep/aiohttp exception.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from prometheus_client import Counter

log = logging.getLogger(__name__)
FAILURES = Counter("anfang_onvif_failures_total", "ONVIF reads that failed", ["why"])
PTZ_NS = "http://www.onvif.org/ver20/ptz/wsdl"


class OnvifError(Exception):
    """An ONVIF read that failed, with the reason for the operator and its HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True)
class Preset:
    """A PTZ preset position."""

    token: str
    name: str


@dataclass(slots=True)
class Profile:
    """A media profile: what the camera streams under it, and where."""

    token: str
    name: str
    encoding: str = ""
    width: int | None = None
    height: int | None = None
    stream_uri: str | None = None
    snapshot_uri: str | None = None
    presets: list[Preset] = field(default_factory=list)


@dataclass(slots=True)
class DeviceInfo:
    """What a camera says about itself, and its profiles."""

    manufacturer: str
    model: str
    firmware: str
    serial: str
    hardware_id: str
    profiles: list[Profile] = field(default_factory=list)
    ptz: bool = False

    def to_json(self) -> dict[str, Any]:
        """Plain data for the API."""
        return asdict(self)


def parse_onvif_url(url: str) -> tuple[str, int]:
    """Host and port of a device service URL (``http://10.0.0.5:8000/onvif/device_service``)."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if not parts.hostname:
        raise OnvifError(422, f"ONVIF address {url!r} names no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise OnvifError(422, f"ONVIF address {url!r} has a bad port") from exc
    return parts.hostname, port


def _text(obj: Any, *path: str) -> str:
    for name in path:
        obj = getattr(obj, name, None) if obj is not None else None
    return str(obj) if obj is not None else ""


async def _with_camera(
    url: str, user: str | None, password: str | None, timeout_s: float, fn: Any
) -> Any:
    """Run ``fn(camera)`` against the camera at ``url`` with the module's error mapping."""
    from onvif import ONVIFCamera  # type: ignore[import-untyped]

    host, port = parse_onvif_url(url)
    cam = ONVIFCamera(host, port, user, password)
    try:
        async with asyncio.timeout(timeout_s):
            return await fn(cam)
    except TimeoutError as exc:
        FAILURES.labels("timeout").inc()
        raise OnvifError(
            504, f"ONVIF device {host}:{port} did not answer in {timeout_s:g} s"
        ) from exc
    except OnvifError:
        raise
    except Exception as exc:
        raise _classify(exc, host, port) from exc
    finally:
        try:
            await cam.close()
        except Exception:
            log.debug("closing ONVIF client of %s failed", host, exc_info=True)


async def _ptz_profile(cam: Any, profile: str | None) -> tuple[Any, str]:
    await cam.update_xaddrs()
    if PTZ_NS not in cam.xaddrs:
        raise OnvifError(409, "the camera has no PTZ")
    media = await cam.create_media_service()
    ptz = await cam.create_ptz_service()
    if profile:
        return ptz, profile
    for p in await media.GetProfiles() or []:
        if getattr(p, "PTZConfiguration", None) is not None:
            return ptz, _text(p, "token")
    raise OnvifError(409, "no media profile of the camera has a PTZ configuration")


async def goto_preset(
    url: str,
    user: str | None,
    password: str | None,
    preset: str,
    profile: str | None = None,
    timeout_s: float = 10.0,
) -> str:
    """Turn the camera to preset ``preset`` (its token); the profile used."""

    async def run(cam: Any) -> str:
        ptz, token = await _ptz_profile(cam, profile)
        await ptz.GotoPreset({"ProfileToken": token, "PresetToken": preset})
        return token

    result: str = await _with_camera(url, user, password, timeout_s, run)
    return result


async def move(
    url: str,
    user: str | None,
    password: str | None,
    pan: float,
    tilt: float,
    zoom: float,
    seconds: float = 0.5,
    timeout_s: float = 10.0,
) -> None:
    """Move (speeds -1…1) for ``seconds``, then stop: a press of the console's arrows."""

    async def run(cam: Any) -> None:
        ptz, token = await _ptz_profile(cam, None)
        velocity = {"PanTilt": {"x": pan, "y": tilt}, "Zoom": {"x": zoom}}
        await ptz.ContinuousMove({"ProfileToken": token, "Velocity": velocity})
        await asyncio.sleep(seconds)
        await ptz.Stop({"ProfileToken": token, "PanTilt": True, "Zoom": True})

    await _with_camera(url, user, password, timeout_s, run)


async def read_device(
    url: str, user: str | None, password: str | None, timeout_s: float = 15.0
) -> DeviceInfo:
    """Read device information, profiles, URIs and PTZ presets of the camera at ``url``."""
    info: DeviceInfo = await _with_camera(url, user, password, timeout_s, _read)
    return info


def _classify(exc: Exception, host: str, port: int) -> OnvifError:
    text = f"{type(exc).__name__}: {exc}"
    if any(k in text for k in ("NotAuthorized", "Unauthorized", "401", "Sender not Authorized")):
        FAILURES.labels("auth").inc()
        return OnvifError(401, f"ONVIF device {host}:{port} refused the credentials")
    if isinstance(exc, OSError) or "Cannot connect" in text or "ClientConnector" in text:
        FAILURES.labels("unreachable").inc()
        return OnvifError(502, f"ONVIF device {host}:{port} cannot be reached: {exc}")
    FAILURES.labels("protocol").inc()
    log.info("ONVIF device %s:%s: %s", host, port, text)
    return OnvifError(502, f"ONVIF device {host}:{port} answered unexpectedly: {text[:300]}")


async def _read(cam: Any) -> DeviceInfo:
    await cam.update_xaddrs()
    devmgmt = await cam.create_devicemgmt_service()
    info = await devmgmt.GetDeviceInformation()
    out = DeviceInfo(
        _text(info, "Manufacturer"),
        _text(info, "Model"),
        _text(info, "FirmwareVersion"),
        _text(info, "SerialNumber"),
        _text(info, "HardwareId"),
        ptz=PTZ_NS in cam.xaddrs,
    )
    media = await cam.create_media_service()
    ptz = await cam.create_ptz_service() if out.ptz else None
    for p in await media.GetProfiles() or []:
        token = _text(p, "token")
        enc = getattr(p, "VideoEncoderConfiguration", None)
        prof = Profile(
            token,
            _text(p, "Name"),
            _text(enc, "Encoding"),
            _int(_text(enc, "Resolution", "Width")),
            _int(_text(enc, "Resolution", "Height")),
        )
        req = media.create_type("GetStreamUri")
        req.ProfileToken = token
        req.StreamSetup = {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}}
        prof.stream_uri = _text(await media.GetStreamUri(req), "Uri") or None
        prof.snapshot_uri = await cam.get_snapshot_uri(token)
        if ptz is not None and getattr(p, "PTZConfiguration", None) is not None:
            presets = await ptz.GetPresets({"ProfileToken": token}) or []
            prof.presets = [Preset(_text(x, "token"), _text(x, "Name")) for x in presets]
        out.profiles.append(prof)
    return out


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None
