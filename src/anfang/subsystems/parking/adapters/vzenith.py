"""Vzenith (臻识) LPR cameras' HTTP push of plate results, pure core: body in, a typed read
(or the reason it is refused) out, and the reply that opens the barrier or not.

The camera POSTs JSON to the configured URL for every plate it reads::

    {"AlarmInfoPlate": {"serialno": "e0fade63-f0fe93", "ipaddr": "192.168.1.10",
      "channel": 0, "deviceName": "IVS",
      "result": {"PlateResult": {"license": "粤BF12345", "colorType": 5, "type": 11,
        "confidence": 95, "plateid": 1024, "triggerType": 2, "direction": 1,
        "timeStamp": {"Timeval": {"sec": 1571932583, "usec": 0}},
        "imageFile": "<base64 JPEG scene>", "imageFileLen": 123456,
        "imageFragmentFile": "<base64 JPEG plate crop>", "imageFragmentFileLen": 4567}}}}

``colorType`` is 0 unknown, 1 blue, 2 yellow, 3 white, 4 black, 5 green, 6 yellow-green; the
camera's clock is in ``timeStamp.Timeval.sec`` (Unix seconds). The answer
``{"Response_AlarmInfoPlate": {"info": "ok", "plateid": …}}`` makes the camera close its
barrier relay (open the gate); any other ``info`` leaves the gate shut. The camera is
known by ``serialno`` and must POST from the address configured for it (it cannot sign).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from anfang.subsystems.parking.adapters.plates import VZENITH_COLOURS, Colour

MAX_IMAGE_BYTES = 2 * 1024 * 1024
_SERIAL = re.compile(r"[0-9A-Za-z\-]{1,64}")


class VzRejected(Exception):
    """A push that cannot be read; ``reason`` is a short metric label."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class VzRead:
    """One plate result."""

    serialno: str
    plate: str
    colour: Colour | None
    confidence: float | None
    occurred_at: datetime | None
    plate_id: int | None
    image: bytes | None  # the plate crop if sent, else the scene


def _obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise VzRejected("malformed", f"{where} must be an object")
    return value


def _image(value: Any, where: str) -> bytes | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise VzRejected("bad_image", f"{where} must be base64 text")
    if len(value) > MAX_IMAGE_BYTES * 4 // 3 + 4:
        raise VzRejected("image_too_large", f"{where} is larger than {MAX_IMAGE_BYTES} bytes")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise VzRejected("bad_image", f"{where} is not valid base64") from None


def _time(result: dict[str, Any]) -> datetime | None:
    stamp = result.get("timeStamp")
    timeval = stamp.get("Timeval") if isinstance(stamp, dict) else None
    sec = timeval.get("sec") if isinstance(timeval, dict) else None
    if isinstance(sec, int) and not isinstance(sec, bool) and 0 < sec < 2**33:
        return datetime.fromtimestamp(sec, UTC)
    return None


def parse_push(body: bytes) -> VzRead:
    """Read a push body."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise VzRejected("malformed_json", f"body is not JSON: {exc}") from None
    info = _obj(_obj(data, "body").get("AlarmInfoPlate"), "AlarmInfoPlate")
    serial = info.get("serialno")
    if not isinstance(serial, str) or not _SERIAL.fullmatch(serial.replace(" ", "")):
        raise VzRejected("unknown_device", "AlarmInfoPlate.serialno is missing or malformed")
    result = _obj(_obj(info.get("result"), "result").get("PlateResult"), "PlateResult")
    plate = result.get("license")
    if not isinstance(plate, str):
        raise VzRejected("malformed", "PlateResult.license is required")
    colour_type = result.get("colorType")
    colour = VZENITH_COLOURS.get(colour_type) if isinstance(colour_type, int) else None
    conf = result.get("confidence")
    confidence = float(conf) / 100 if isinstance(conf, int | float) and 0 <= conf <= 100 else None
    plate_id = result.get("plateid")
    image = _image(result.get("imageFragmentFile"), "imageFragmentFile") or _image(
        result.get("imageFile"), "imageFile"
    )
    return VzRead(
        serial.replace(" ", ""), plate, colour, confidence, _time(result),
        plate_id if isinstance(plate_id, int) and not isinstance(plate_id, bool) else None,
        image,
    )  # fmt: skip


def reply(open_gate: bool, plate_id: int | None) -> dict[str, Any]:
    """The answer: ``info`` ``ok`` opens the camera's barrier relay."""
    body: dict[str, Any] = {"info": "ok" if open_gate else "no"}
    if plate_id is not None:
        body["plateid"] = plate_id
    return {"Response_AlarmInfoPlate": body}
