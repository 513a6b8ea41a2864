"""zigbee2mqtt-style alarm sensors over MQTT, pure core: topic + payload → readings → events.

Nothing here does I/O. zigbee2mqtt publishes each device's whole state as a JSON object
on ``<base>/<friendly_name>`` every time anything changes (battery, link quality…), and
its availability on ``<base>/<friendly_name>/availability``. :func:`parse_message` turns
one MQTT message into a typed :class:`Reading`; :class:`ChangeTracker` keeps the last
state per device and field and answers only the changes, as :class:`EventSpec`.
See docs/mqtt-sensors.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

PROTOCOL = "mqtt-z2m"
DEFAULT_BASE = "zigbee2mqtt"
MAX_PAYLOAD = 64 * 1024

# The boolean fields anfang watches: field → (the value meaning "alarm", event kind,
# payload of the alarm). ``contact`` is true when the magnet is near, so false is "open".
CONDITIONS: dict[str, tuple[bool, str, dict[str, Any]]] = {
    "contact": (False, "home_alarm.burglary", {"sensor": "contact", "open": True}),
    "occupancy": (True, "home_alarm.burglary", {"sensor": "occupancy", "occupied": True}),
    "smoke": (True, "home_alarm.fire", {"sensor": "smoke"}),
    "gas": (True, "home_alarm.gas", {"sensor": "gas"}),
    "water_leak": (True, "home_alarm.water", {"sensor": "water_leak"}),
    "tamper": (True, "home_alarm.tamper", {"sensor": "tamper"}),
    "battery_low": (True, "home_alarm.trouble", {"sensor": "battery_low"}),
}

# Keypad and button actions; anything else (single, double, hold…) is not an alarm event.
ACTIONS: dict[str, str] = {
    "emergency": "home_alarm.panic",
    "panic": "home_alarm.panic",
    "sos": "home_alarm.panic",
    "arm_all_zones": "home_alarm.armed",
    "arm_day_zones": "home_alarm.armed",
    "arm_night_zones": "home_alarm.armed",
    "disarm": "home_alarm.disarmed",
}

_IGNORED_SUFFIXES = ("set", "get")


class Rejected(Exception):
    """A message refused: ``reason`` is a short metric label."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True, slots=True)
class Reading:
    """What one message said about one device (by its zigbee2mqtt friendly name).

    ``values`` holds the watched boolean fields present; ``bad_fields`` the watched
    fields present with a wrong type; ``online`` is set only by availability messages.
    """

    friendly_name: str
    values: dict[str, bool] = field(default_factory=dict)
    action: str | None = None
    battery: int | None = None
    online: bool | None = None
    bad_fields: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EventSpec:
    """An event to create: its kind, payload and the field it came from."""

    kind: str
    payload: dict[str, Any]
    field: str


def parse_topic(base: str, topic: str) -> tuple[str, bool] | None:
    """``(friendly_name, is_availability)`` of a device topic, ``None`` for other topics.

    Bridge topics and ``/set`` or ``/get`` commands are not device reports.
    Friendly names may themselves contain ``/``, as zigbee2mqtt allows.
    """
    prefix = base + "/"
    if not topic.startswith(prefix):
        return None
    rest = topic[len(prefix) :]
    parts = rest.split("/")
    if not rest or parts[0] == "bridge" or any(p in _IGNORED_SUFFIXES for p in parts[1:]):
        return None
    if len(parts) > 1 and parts[-1] == "availability":
        name = rest[: -len("/availability")]
        return (name, True) if name else None
    if any(not p for p in parts):
        return None
    return rest, False


def _decode(payload: bytes) -> Any:
    if len(payload) > MAX_PAYLOAD:
        raise Rejected("too_large", f"payload of {len(payload)} bytes over {MAX_PAYLOAD}")
    try:
        return orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise Rejected("bad_json", f"payload is not JSON: {exc}") from None


def _availability(name: str, payload: bytes) -> Reading:
    text = payload.strip()
    if text in (b"online", b"offline"):
        return Reading(name, online=text == b"online")
    data = _decode(payload)
    state = data.get("state") if isinstance(data, dict) else data
    if state not in ("online", "offline"):
        raise Rejected("bad_availability", "availability must be online or offline")
    return Reading(name, online=state == "online")


def parse_message(base: str, topic: str, payload: bytes) -> Reading | None:
    """Read one MQTT message; ``None`` when the topic is no device report.

    Raises :class:`Rejected` for payloads that are too large, not JSON or not an object.
    """
    where = parse_topic(base, topic)
    if where is None:
        return None
    name, is_availability = where
    if is_availability:
        return _availability(name, payload)
    data = _decode(payload)
    if not isinstance(data, dict):
        raise Rejected("not_object", "state payload must be a JSON object")
    values: dict[str, bool] = {}
    bad: list[str] = []
    for key in CONDITIONS.keys() & data.keys():
        value = data[key]
        if isinstance(value, bool):
            values[key] = value
        elif value is not None:  # zigbee2mqtt sends null for fields not reported yet
            bad.append(key)
    action = data.get("action")
    if action is not None and not isinstance(action, str):
        bad.append("action")
        action = None
    battery = data.get("battery")
    if not isinstance(battery, int | float) or isinstance(battery, bool):
        battery = None
    return Reading(
        name,
        values=values,
        action=action or None,
        battery=None if battery is None else int(battery),
        online=None,
        bad_fields=tuple(sorted(bad)),
    )


class ChangeTracker:
    """Last known state per device and field; turns readings into events on change only.

    A field never seen before counts as "normal" (and a device as online), so the first
    report raises what is active and stays quiet about what is normal.
    """

    def __init__(self) -> None:
        self._last: dict[str, dict[str, bool]] = {}

    def forget(self, device: str) -> None:
        """Drop what is known of ``device`` (its next report counts as first)."""
        self._last.pop(device, None)

    def changes(self, device: str, reading: Reading) -> list[EventSpec]:
        """The events ``reading`` causes for ``device`` (keyed by anfang device code)."""
        last = self._last.setdefault(device, {})
        out: list[EventSpec] = []
        if reading.online is not None:
            was = last.get("online", True)
            last["online"] = reading.online
            if reading.online != was:
                kind = "device.online" if reading.online else "device.offline"
                out.append(EventSpec(kind, {"source": "availability"}, "availability"))
        for key in sorted(reading.values):
            active_value, kind, alarm_payload = CONDITIONS[key]
            active = reading.values[key] == active_value
            was_active = last.get(key, False)
            last[key] = active
            if active == was_active:
                continue
            if active:
                payload = dict(alarm_payload)
                if key == "battery_low" and reading.battery is not None:
                    payload["battery"] = reading.battery
                out.append(EventSpec(kind, payload, key))
            else:
                out.append(EventSpec("home_alarm.restore", {"condition": kind, "sensor": key}, key))
        if reading.action is not None and reading.action in ACTIONS:
            # An action is a press, not a state: every report of one is an event.
            out.append(EventSpec(ACTIONS[reading.action], {"action": reading.action}, "action"))
        return out
