"""GB/T 28181 Alarm Notify, pure: which anfang alarm becomes which AlarmMethod and AlarmType
(:data:`ALARM_MAP`, kept as data), its priority, and the body sent to the upper platform."""

from __future__ import annotations

from datetime import datetime

from anfang.core.kinds import matches
from anfang.uplink.adapters.gb28181 import encode, gb_time, xml_text

# (kind pattern, AlarmMethod, AlarmType or None); first match wins. Methods: 1 phone,
# 2 device, 3 SMS, 4 GPS, 5 video, 6 device fault, 7 other.
ALARM_MAP: list[tuple[str, int, int | None]] = [
    ("video.loss", 2, 1),
    ("video.tamper", 2, 2),
    ("video.disk_full", 2, 3),
    ("video.motion", 5, 2),
    ("video.tripwire", 5, 5),
    ("video.intrusion", 5, 6),
    ("video.loitering", 5, 8),
    ("*.trouble", 6, None),
    ("*.fault", 6, None),
    ("*.offline", 6, None),
    ("perimeter.*", 2, None),
    ("home_alarm.*", 2, None),
    ("access.*", 2, None),
    ("physical.*", 2, None),
]


def alarm_method(kind: str) -> tuple[int, int | None]:
    """(AlarmMethod, AlarmType) of an anfang alarm kind, per :data:`ALARM_MAP`."""
    for pattern, method, type_ in ALARM_MAP:
        if matches(pattern, kind):
            return method, type_
    return 7, None


def alarm_priority(priority: int) -> int:
    """anfang's priority (1 most urgent) as AlarmPriority 1–4."""
    return min(max(priority, 1), 4)


def alarm_notify(
    sn: int,
    device_id: str,
    priority: int,
    kind: str,
    at: datetime,
    description: str,
    charset: str,
    position: tuple[float, float] | None = None,
) -> bytes:
    """The Alarm Notify for an alarm of ``kind`` on channel ``device_id``."""
    method, type_ = alarm_method(kind)
    where = (
        f"<Longitude>{position[0]:.6f}</Longitude>\r\n<Latitude>{position[1]:.6f}</Latitude>\r\n"
        if position
        else ""
    )
    info = f"<Info><AlarmType>{type_}</AlarmType></Info>\r\n" if type_ is not None else ""
    return encode(
        f"<Notify>\r\n<CmdType>Alarm</CmdType>\r\n<SN>{sn}</SN>\r\n"
        f"<DeviceID>{xml_text(device_id)}</DeviceID>\r\n"
        f"<AlarmPriority>{alarm_priority(priority)}</AlarmPriority>\r\n"
        f"<AlarmMethod>{method}</AlarmMethod>\r\n<AlarmTime>{gb_time(at)}</AlarmTime>\r\n"
        f"<AlarmDescription>{xml_text(description)}</AlarmDescription>\r\n{where}{info}</Notify>\r\n",
        charset,
    )
