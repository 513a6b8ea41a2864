"""GA/T 1400 (视图库) bodies, pure: system objects and face / motor-vehicle lists as JSON.

Every request carries ``User-Identify`` (our 20-digit ID) and the content type
``application/VIID+JSON``; answers are ``ResponseStatusObject`` (one) or
``ResponseStatusListObject`` (one per record). IDs are built in :mod:`anfang.uplink.ids`.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

CONTENT_TYPE = "application/VIID+JSON;charset=UTF-8"
CHINA = ZoneInfo("Asia/Shanghai")  # GA/T 1400 times are Beijing time without a zone
FACE_SUBSCRIBE, VEHICLE_SUBSCRIBE = "12", "13"


class ViidError(ValueError):
    """An answer that is not the standard's shape."""


def viid_time(at: datetime) -> str:
    """``yyyyMMddHHmmss`` in Beijing time, the form GA/T 1400 times take."""
    return at.astimezone(CHINA).strftime("%Y%m%d%H%M%S")


def register(device_id: str) -> dict[str, Any]:
    """The Register body."""
    return {"RegisterObject": {"DeviceID": device_id}}


def keepalive(device_id: str) -> dict[str, Any]:
    """The Keepalive body."""
    return {"KeepaliveObject": {"DeviceID": device_id}}


def unregister(device_id: str) -> dict[str, Any]:
    """The UnRegister body."""
    return {"UnRegisterObject": {"DeviceID": device_id}}


def sub_image(
    image_id: str, device_id: str, kind: str, shot: datetime, data: bytes, size: tuple[int, int]
) -> dict[str, Any]:
    """A SubImageInfoObject (Type 11 face crop, 14 scene; 01 vehicle scene, 02 plate)."""
    return {
        "ImageID": image_id,
        "EventSort": 4,
        "DeviceID": device_id,
        "StoragePath": "",
        "Type": kind,
        "FileFormat": "Jpeg",
        "ShotTime": viid_time(shot),
        "Width": size[0],
        "Height": size[1],
        "Data": base64.b64encode(data).decode("ascii"),
    }


@dataclass(frozen=True, slots=True)
class FaceRecord:
    """One face capture to upload."""

    face_id: str
    source_id: str
    device_id: str
    shot: datetime
    images: tuple[dict[str, Any], ...]
    box: tuple[int, int, int, int] = (0, 0, 0, 0)

    def json(self) -> dict[str, Any]:
        """The FaceObject."""
        return {
            "FaceID": self.face_id,
            "InfoKind": 1,
            "SourceID": self.source_id,
            "DeviceID": self.device_id,
            "LeftTopX": self.box[0],
            "LeftTopY": self.box[1],
            "RightBtmX": self.box[2],
            "RightBtmY": self.box[3],
            "LocationMarkTime": viid_time(self.shot),
            "FaceAppearTime": viid_time(self.shot),
            "FaceDisAppearTime": viid_time(self.shot),
            "SubImageList": {"SubImageInfoObject": list(self.images)},
        }


@dataclass(frozen=True, slots=True)
class VehicleRecord:
    """One plate read to upload."""

    vehicle_id: str
    source_id: str
    device_id: str
    passed: datetime
    plate: str
    plate_color: str
    direction: str
    images: tuple[dict[str, Any], ...] = ()

    def json(self) -> dict[str, Any]:
        """The MotorVehicleObject."""
        return {
            "MotorVehicleID": self.vehicle_id,
            "InfoKind": 1,
            "SourceID": self.source_id,
            "TollgateID": self.device_id,
            "DeviceID": self.device_id,
            "HasPlate": bool(self.plate),
            "PlateClass": "02",
            "PlateColor": PLATE_COLOURS.get(self.plate_color, "99"),
            "PlateNo": self.plate,
            "VehicleClass": "K33",
            "VehicleColor": "Z",
            "PassTime": viid_time(self.passed),
            "LaneNo": 1,
            "Direction": self.direction,
            "SubImageList": {"SubImageInfoObject": list(self.images)},
        }


# GA 24.8 plate colour codes.
PLATE_COLOURS = {"white": "2", "yellow": "3", "blue": "5", "black": "1", "green": "6"}


def faces(records: list[FaceRecord]) -> dict[str, Any]:
    """The body of POST /VIID/Faces."""
    return {"FaceListObject": {"FaceObject": [r.json() for r in records]}}


def vehicles(records: list[VehicleRecord]) -> dict[str, Any]:
    """The body of POST /VIID/MotorVehicles."""
    return {"MotorVehicleListObject": {"MotorVehicleObject": [r.json() for r in records]}}


def status_codes(body: Any) -> list[tuple[str, str]]:
    """(Id, StatusCode) of each ResponseStatusObject in an answer; :class:`ViidError` else."""
    if not isinstance(body, dict):
        raise ViidError("answer is not a JSON object")
    if "ResponseStatusListObject" in body:
        items = (body["ResponseStatusListObject"] or {}).get("ResponseStatusObject")
    elif "ResponseStatusObject" in body:
        items = [body["ResponseStatusObject"]]
    else:
        raise ViidError("answer has no ResponseStatusObject")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ViidError("ResponseStatusObject is not a list of objects")
    return [(str(i.get("Id", "")), str(i.get("StatusCode", ""))) for i in items]


def status(request_url: str, ident: str, code: int, text: str, at: datetime) -> dict[str, Any]:
    """A ResponseStatusObject (what the upper answers; the simulator and tests send it)."""
    return {
        "ResponseStatusObject": {
            "Id": ident,
            "LocalTime": viid_time(at),
            "RequestURL": request_url,
            "StatusCode": str(code),
            "StatusString": text,
        }
    }


def subscription_notification(
    subscription_id: str, faces_: list[FaceRecord], vehicles_: list[VehicleRecord]
) -> dict[str, Any]:
    """The SubscribeNotificationListObject sent to a subscriber's ReceiveAddr."""
    obj: dict[str, Any] = {
        "NotificationID": subscription_id,
        "SubscribeID": subscription_id,
        "Title": "anfang",
        "TriggerTime": viid_time(datetime.now().astimezone()),
    }
    if faces_:
        obj["FaceObjectList"] = {"FaceObject": [r.json() for r in faces_]}
    if vehicles_:
        obj["MotorVehicleObjectList"] = {"MotorVehicleObject": [r.json() for r in vehicles_]}
    return {"SubscribeNotificationListObject": {"SubscribeNotificationObject": [obj]}}
