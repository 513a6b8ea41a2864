"""The check-in a patrol reader or phone app sends, pure core: payload in, typed check-in
(or the reason it cannot count) out. No I/O.

A ``patrol.checkpoint`` event's payload (docs/patrol.md)::

    {"tag": "04:A2:1B:7C", "tag_kind": "rfid", "guard": "G01"}

``tag_kind`` is ``rfid`` or ``nfc`` (the tag's UID in hex; separators ignored), ``qr``
(the printed text) or ``ble`` (a beacon's MAC address, or ``uuid/major/minor``);
``guard`` names the guard (their code or the badge the reader was logged in with) and may
be left out when a reader belongs to one guard. The event's ``occurred_at`` is the time of
the swipe, also in a batch uploaded later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

TagKind = Literal["rfid", "nfc", "qr", "ble"]
TAG_KINDS: tuple[TagKind, ...] = ("rfid", "nfc", "qr", "ble")
# How far a device clock may run ahead before a check-in counts as "from the future".
MAX_AHEAD = timedelta(minutes=5)
# Readers keep weeks of swipes when nobody docks them; beyond this a batch is not evaluated.
MAX_BACKLOG = timedelta(days=31)

_HEX_SEP = re.compile(r"[\s:\-]")
_HEX = re.compile(r"[0-9A-F]{4,32}")
_MAC = re.compile(r"[0-9A-F]{12}")
_BEACON = re.compile(
    r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/(\d{1,5})/(\d{1,5})"
)
_PRINTABLE = re.compile(r"[^\x00-\x1f\x7f]{1,128}")
_GUARD = re.compile(r"[^\x00-\x1f\x7f]{1,64}")


class TagError(ValueError):
    """A tag id that cannot be a tag of its kind; the message says why."""


@dataclass(frozen=True, slots=True)
class CheckIn:
    """A well-formed check-in: which tag (normalised), by whom."""

    tag_kind: TagKind
    tag: str
    guard: str | None


@dataclass(frozen=True, slots=True)
class Refused:
    """A check-in that cannot count: ``verdict`` is a short label, ``reason`` a sentence."""

    verdict: str
    reason: str


def normalise_tag(kind: str, raw: str) -> str:
    """The canonical form of a tag id of ``kind`` (what checkpoints are stored with)."""
    if kind in ("rfid", "nfc"):
        text = _HEX_SEP.sub("", raw).upper()
        if not _HEX.fullmatch(text):
            raise TagError(f"{kind} tag must be 4 to 32 hex digits (separators allowed)")
        return text
    if kind == "qr":
        text = raw.strip()
        if not _PRINTABLE.fullmatch(text):
            raise TagError("qr tag must be 1 to 128 printable characters")
        return text
    if kind == "ble":
        text = raw.strip()
        mac = _HEX_SEP.sub("", text).upper()
        if _MAC.fullmatch(mac):
            return mac
        beacon = _BEACON.fullmatch(text.lower())
        if beacon and int(beacon[2]) < 65536 and int(beacon[3]) < 65536:
            return f"{beacon[1]}/{int(beacon[2])}/{int(beacon[3])}"
        raise TagError("ble tag must be a MAC address or uuid/major/minor")
    raise TagError(f"tag_kind must be one of {', '.join(TAG_KINDS)}")


def read_checkin(payload: Any) -> CheckIn | Refused:
    """Read a ``patrol.checkpoint`` payload."""
    if not isinstance(payload, dict):
        return Refused("malformed", "payload must be an object")
    kind = payload.get("tag_kind", "rfid")
    tag = payload.get("tag")
    if not isinstance(kind, str) or kind not in TAG_KINDS:
        return Refused("malformed", f"tag_kind must be one of {', '.join(TAG_KINDS)}")
    if not isinstance(tag, str):
        return Refused("malformed", "tag is required: the checkpoint tag's id")
    try:
        norm = normalise_tag(kind, tag)
    except TagError as exc:
        return Refused("malformed", str(exc))
    guard = payload.get("guard")
    if guard is not None and not (isinstance(guard, str) and _GUARD.fullmatch(guard.strip())):
        return Refused("malformed", "guard must be 1 to 64 printable characters")
    return CheckIn(kind, norm, guard.strip() if isinstance(guard, str) else None)


def check_time(occurred_at: datetime, received_at: datetime) -> Refused | None:
    """Refuse a swipe time too far ahead of the server's clock or too far in the past."""
    ahead = occurred_at - received_at
    if ahead > MAX_AHEAD:
        minutes = int(ahead.total_seconds() // 60)
        return Refused(
            "future", f"swipe time is {minutes} min ahead of the server: check the reader's clock"
        )
    if received_at - occurred_at > MAX_BACKLOG:
        return Refused("too_old", f"swipe is older than {MAX_BACKLOG.days} days: not evaluated")
    return None
