"""A PD's health from libosdp's events, pure: notifications of its online and
secure-channel state, and local status reports (``osdp_LSTATR``: byte 0 tamper, byte 1
power), turned into the access events to raise — only on a change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import osdp  # type: ignore[import-untyped]

NOTIFY_SC = 1  # osdp.EventNotification.SecureChannelStatus
NOTIFY_PD = 2  # osdp.EventNotification.PeripheralDeviceStatus
STATUS_LOCAL = 2  # osdp.StatusReportType.Local


@dataclass
class PdHealth:
    """What anfang last knew of a PD: None until libosdp says."""

    online: bool | None = None
    secure: bool | None = None
    tamper: bool | None = None
    power_fault: bool | None = None


def _flip(
    old: bool | None, new: bool, on: tuple[str, dict[str, Any]], off: tuple[str, dict[str, Any]]
) -> list[tuple[str, dict[str, Any]]]:
    if old is new:
        return []
    if old is None and not new:
        return []  # a first "normal" report is not a restore
    return [on if new else off]


def health_events(h: PdHealth, event: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Update ``h`` from a libosdp notification or status event; the events to raise.

    Only changes raise events: a repeated tamper report does not raise a second alarm.
    """
    kind = event.get("event")
    out: list[tuple[str, dict[str, Any]]] = []
    if kind == osdp.Event.Notification:
        typ, arg = event.get("type"), event.get("arg0")
        if not isinstance(arg, int):
            return []
        if typ == NOTIFY_PD:
            new = bool(arg)
            old, h.online = h.online, new
            if old is not new:  # the first "online" is news too: the bus is up
                out.append(("access.reader_online" if new else "access.reader_offline", {}))
        elif typ == NOTIFY_SC:
            h.secure = bool(arg)
    elif kind == osdp.Event.Status and event.get("type") == STATUS_LOCAL:
        report = event.get("report")
        if not isinstance(report, bytes | bytearray) or not report:
            return []
        tamper = bool(report[0])
        out += _flip(h.tamper, tamper, ("access.tamper", {}), ("access.tamper_restore", {}))
        h.tamper = tamper
        if len(report) > 1:
            fault = bool(report[1])
            power = {"trouble": "power"}
            out += _flip(
                h.power_fault, fault, ("access.trouble", power), ("access.trouble_restore", power)
            )
            h.power_fault = fault
    return out
