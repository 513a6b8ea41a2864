"""The anfang HTTP push protocol, pure core: authentication checks, parsing, replies.

Nothing here does I/O. The transport (``http_push_api``) reads the request, looks the
device up and calls these functions; every refusal is a :class:`PushRejected` carrying
the HTTP status and a short machine-readable reason (used as a metric label).
See docs/http-push.md for the protocol as integrators see it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from anfang.core import kinds

HEADER_DEVICE = "X-Anfang-Device"
HEADER_TIMESTAMP = "X-Anfang-Timestamp"
HEADER_SIGNATURE = "X-Anfang-Signature"
MAX_EVENTS = 500
MAX_ID_CHARS = 64

_EVENT_FIELDS = frozenset({"id", "kind", "occurred_at", "payload"})
_CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}")
_TS_RE = re.compile(r"[0-9]{1,12}")
_SIG_RE = re.compile(r"[0-9a-fA-F]{64}")
_ID_RE = re.compile(r"[^\x00-\x1f\x7f]{1,64}")


class PushRejected(Exception):
    """A push refused: ``status`` is the HTTP answer, ``reason`` a short metric label."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message


@dataclass(frozen=True, slots=True)
class PushHeaders:
    """The authentication headers of one request, syntactically checked."""

    device: str
    timestamp: int
    timestamp_raw: str
    signature: str


@dataclass(frozen=True, slots=True)
class PushedEvent:
    """One event as the device sent it, validated."""

    id: str
    kind: str
    occurred_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)

    def idempotency_key(self, device: str) -> str:
        """The key that makes a retransmission of this event be stored once."""
        return f"{device}:{self.id}"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature a device sends: hex HMAC-SHA256 over ``timestamp + "\\n" + body``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"\n" + body, hashlib.sha256)
    return mac.hexdigest()


def parse_headers(headers: Mapping[str, str]) -> PushHeaders:
    """Read the three authentication headers (names compared case-insensitively)."""
    lower = {k.lower(): v for k, v in headers.items()}
    device = lower.get(HEADER_DEVICE.lower())
    ts = lower.get(HEADER_TIMESTAMP.lower())
    sig = lower.get(HEADER_SIGNATURE.lower())
    if device is None or ts is None or sig is None:
        raise PushRejected(
            401,
            "missing_header",
            "X-Anfang-Device, X-Anfang-Timestamp and X-Anfang-Signature headers are required",
        )
    device, ts, sig = device.strip(), ts.strip(), sig.strip()
    if not _CODE_RE.fullmatch(device):
        raise PushRejected(401, "unknown_device", "unknown device")
    if not _TS_RE.fullmatch(ts):
        raise PushRejected(401, "bad_timestamp", "X-Anfang-Timestamp must be unix seconds")
    if not _SIG_RE.fullmatch(sig):
        raise PushRejected(401, "bad_signature", "X-Anfang-Signature must be 64 hex digits")
    return PushHeaders(device, int(ts), ts, sig.lower())


def check_timestamp(timestamp: int, now: float, window_s: int) -> None:
    """Refuse a request signed more than ``window_s`` seconds from ``now`` (replay guard)."""
    if abs(now - timestamp) > window_s:
        raise PushRejected(
            401,
            "replay",
            f"timestamp outside ±{window_s} s of server time (check the device clock)",
        )


def check_signature(secret: str, head: PushHeaders, body: bytes) -> None:
    """Compare the signature in constant time."""
    expected = sign(secret, head.timestamp_raw, body)
    if not hmac.compare_digest(expected, head.signature):
        raise PushRejected(401, "bad_signature", "signature does not match")


def check_size(size: int, limit: int) -> None:
    """Refuse a body larger than ``limit`` bytes."""
    if size > limit:
        raise PushRejected(413, "too_large", f"request body larger than {limit} bytes")


def _load_object(body: bytes) -> dict[str, Any]:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise PushRejected(422, "malformed_json", f"body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise PushRejected(422, "malformed_json", "body must be a JSON object")
    return data


def _bad(where: str, message: str, reason: str = "bad_field") -> PushRejected:
    return PushRejected(422, reason, f"{where}: {message}")


def _parse_time(where: str, value: object) -> datetime:
    if not isinstance(value, str) or len(value) > 64:
        raise _bad(where, "must be an ISO 8601 time string with offset")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _bad(where, f"not an ISO 8601 time: {value!r}") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise _bad(where, "time needs a UTC offset, e.g. +08:00 or Z")
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        raise _bad(where, "time out of range") from None


# What any device may say about itself, whatever its subsystem.
DEVICE_SELF_KINDS = frozenset(
    {"device.fault", "device.fault_restore", "device.tamper", "device.tamper_restore"}
)


def check_kinds(
    pushed: list[PushedEvent], subsystem: str, narrowed: frozenset[str] | None = None
) -> None:
    """Refuse (403) a push holding a kind this device may not send: one the platform
    derives itself, one outside the device's subsystem, or one outside the list its
    installer narrowed it to (``meta.kinds``)."""
    for i, p in enumerate(pushed):
        info = kinds.get(p.kind)
        if info.derived:
            why = "is made by the platform itself, never accepted from a device"
        elif narrowed is not None and p.kind not in narrowed:
            why = "is not among the kinds configured for this device (meta.kinds)"
        elif (
            p.kind.split(".", 1)[0] != subsystem
            and p.kind not in DEVICE_SELF_KINDS
            and subsystem not in info.also_from
        ):
            why = f"is not a kind of this device's subsystem {subsystem!r}"
        else:
            continue
        raise PushRejected(403, "kind_not_allowed", f"events[{i}].kind: {p.kind!r} {why}")


def _parse_event(i: int, item: object) -> PushedEvent:
    where = f"events[{i}]"
    if not isinstance(item, dict):
        raise _bad(where, "must be an object")
    extra = set(item) - _EVENT_FIELDS
    if extra:
        raise _bad(f"{where}.{sorted(extra)[0]}", "unknown field")
    ev_id = item.get("id")
    if not isinstance(ev_id, str) or not _ID_RE.fullmatch(ev_id):
        raise _bad(f"{where}.id", f"must be 1 to {MAX_ID_CHARS} printable characters")
    kind = item.get("kind")
    if not isinstance(kind, str):
        raise _bad(f"{where}.kind", "must be a string", "unknown_kind")
    try:
        kinds.get(kind)
    except kinds.UnknownEventKind:
        raise _bad(f"{where}.kind", f"unknown event kind {kind[:80]!r}", "unknown_kind") from None
    if "occurred_at" not in item:
        raise _bad(f"{where}.occurred_at", "required")
    occurred = _parse_time(f"{where}.occurred_at", item["occurred_at"])
    payload = item.get("payload", {})
    if not isinstance(payload, dict):
        raise _bad(f"{where}.payload", "must be an object")
    return PushedEvent(ev_id, kind, occurred, payload)


def parse_events(body: bytes) -> list[PushedEvent]:
    """Parse an events body ``{"events": [...]}``; the first problem is named by field."""
    data = _load_object(body)
    extra = set(data) - {"events"}
    if extra:
        raise _bad(sorted(extra)[0], "unknown field")
    items = data.get("events")
    if not isinstance(items, list):
        raise _bad("events", "required: a list of events")
    if not 1 <= len(items) <= MAX_EVENTS:
        raise _bad("events", f"must hold 1 to {MAX_EVENTS} events, got {len(items)}")
    return [_parse_event(i, item) for i, item in enumerate(items)]


def parse_heartbeat(body: bytes) -> None:
    """Check a heartbeat body: an empty body or a JSON object (contents ignored)."""
    if body.strip():
        _load_object(body)


def accepted_reply(
    pushed: Sequence[PushedEvent], stored: Sequence[tuple[str, bool]]
) -> dict[str, Any]:
    """The 200 answer: each device id with the anfang event id and whether it was a repeat."""
    return {
        "accepted": [
            {"id": p.id, "event_id": event_id, "duplicate": dup}
            for p, (event_id, dup) in zip(pushed, stored, strict=True)
        ]
    }


def error_reply(exc: PushRejected) -> dict[str, Any]:
    """The body of a refusal."""
    return {"detail": exc.message, "reason": exc.reason}
