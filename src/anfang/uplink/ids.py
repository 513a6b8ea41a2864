"""National IDs, pure: GB/T 28181's 20-digit device codes and GA/T 1400's 41- and 48-character
record IDs.

A 20-digit code is centre (8: the administrative division, 行政区划) + industry (2) + type
(3) + network (1) + sequence (6). The type says what the device is; which anfang device
type becomes which code is :data:`TYPE_CODES`, kept as data so that an integrator can
read it against the standard's table.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

# anfang device type → GB/T 28181 type code (2016 table, with the 2022 additions for
# entrances: 124 pedestrian entrance controller, 141 barrier, 143 reader).
TYPE_CODES: dict[str, str] = {
    "camera": "132",
    "lpr_camera": "132",
    "nvr": "118",
    "ir_beam": "134",
    "detector": "134",
    "alarm_panel": "134",
    "barrier": "141",
    "turnstile": "124",
    "door_reader": "143",
    "reader": "143",
    "face_terminal": "143",
    "door_station": "142",
}
CHINA = ZoneInfo("Asia/Shanghai")  # the standards' times are Beijing time
VIDEO_TYPES = frozenset({"131", "132"})  # channels that can be INVITEd
ALARM_INPUT = "134"
PLATFORM, BUSINESS_GROUP, VIRTUAL_ORG = "200", "215", "216"
_ID = re.compile(r"^[0-9]{20}$")
_CENTRE = re.compile(r"^[0-9]{8}$")


class IdError(ValueError):
    """A national ID that does not have the standard's form."""


def check(code: str) -> str:
    """``code`` when it is 20 digits; :class:`IdError` naming the fault otherwise."""
    if not _ID.match(code):
        raise IdError(f"a national ID is 20 digits, not {code[:30]!r}")
    return code


def make(centre: str, type_code: str, seq: int, *, industry: str = "01", network: str = "7") -> str:
    """The 20-digit ID of the ``seq``-th device of ``type_code`` under ``centre``."""
    if not _CENTRE.match(centre):
        raise IdError(f"the centre code is 8 digits, not {centre[:20]!r}")
    if not (len(type_code) == 3 and type_code.isdigit()):
        raise IdError(f"a type code is 3 digits, not {type_code[:10]!r}")
    if not (len(industry) == 2 and industry.isdigit()) or not (
        len(network) == 1 and network.isdigit()
    ):
        raise IdError("industry is 2 digits and network 1")
    if not 0 <= seq <= 999_999:
        raise IdError(f"sequence {seq} is not 0…999999")
    return f"{centre}{industry}{type_code}{network}{seq:06d}"


def type_code(code: str) -> str:
    """The 3-digit type of a 20-digit ID."""
    return check(code)[10:13]


def realm(code: str) -> str:
    """The SIP realm of a platform: the first 10 digits of its ID."""
    return check(code)[:10]


def type_for(device_type: str) -> str | None:
    """The type code for an anfang device type, or None when it is not shared upward."""
    return TYPE_CODES.get(device_type)


# ------------------------------------------------------------------------- GA/T 1400


def source_id(device_id: str, at: datetime, seq: int) -> str:
    """A 41-character SourceID / ImageID: device (20) + "02" + yyyyMMddHHmmss + seq (5)."""
    check(device_id)
    when = at.astimezone(CHINA).strftime("%Y%m%d%H%M%S")
    return f"{device_id}02{when}{seq % 100_000:05d}"


RECORD_TYPES = {"face": "06", "person": "01", "vehicle": "02"}


def record_id(source: str, kind: str, seq: int) -> str:
    """A 48-character record ID (FaceID, MotorVehicleID): SourceID + type (2) + seq (5)."""
    if len(source) != 41 or not source.isdigit():
        raise IdError(f"a SourceID is 41 digits, not {len(source)} characters")
    return f"{source}{RECORD_TYPES[kind]}{seq % 100_000:05d}"
