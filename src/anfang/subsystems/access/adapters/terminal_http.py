"""The vendor-neutral HTTP terminal protocol, pure core: request bodies in, typed requests
and replies out. Authentication is the HTTP push scheme (``ingest.http_push``:
device code, timestamp, HMAC-SHA256 over the raw body, replay window), done by the
transport (``api_terminal``). Refusals are :class:`PushRejected` with a metric label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

import orjson

from anfang.ingest.http_push import PushRejected
from anfang.subsystems.access.adapters import wiegand

MAX_QR_CHARS = 2048
MAX_IMAGE_BYTES = 900 * 1024
_READER_RE = re.compile(r"[A-Za-z0-9_.\-]{1,32}")
_CARD_RE = re.compile(r"[0-9]{1,20}")
_HEX_CARD_RE = re.compile(r"[0-9A-Fa-f]{2,16}")
_PIN_RE = re.compile(r"[0-9]{4,8}")
_CRED_KEYS = ("card", "card_hex", "wiegand", "pin", "qr")

CredentialKind = Literal["card", "pin", "qr"]


@dataclass(frozen=True, slots=True)
class CredentialRequest:
    """A credential presented at a reader: ``kind`` and the value as anfang matches it."""

    reader: str | None
    kind: CredentialKind
    value: str


@dataclass(frozen=True, slots=True)
class StatusReport:
    """A door contact report."""

    reader: str | None
    open: bool


def _bad(field: str, message: str, reason: str = "bad_field") -> PushRejected:
    return PushRejected(422, reason, f"{field}: {message}")


def _object(body: bytes) -> dict[str, Any]:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise PushRejected(422, "malformed_json", f"body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise PushRejected(422, "malformed_json", "body must be a JSON object")
    return data


def parse_reader(value: object) -> str | None:
    """The reader address (optional when the terminal has one reader)."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not _READER_RE.fullmatch(value):
        raise _bad("reader", "1 to 32 letters, digits, '_', '.', '-'")
    return value


def normalize_card(text: str) -> str:
    """A decimal card number without leading zeros."""
    if not _CARD_RE.fullmatch(text):
        raise _bad("card", "1 to 20 decimal digits", "bad_credential")
    return str(int(text))


def parse_credential(body: bytes) -> CredentialRequest:
    """``{"reader": "1", one of "card" | "card_hex" | "wiegand" | "pin" | "qr": "..."}``."""
    data = _object(body)
    extra = set(data) - {"reader", *_CRED_KEYS}
    if extra:
        raise _bad(sorted(extra)[0], "unknown field")
    given = [k for k in _CRED_KEYS if k in data]
    if len(given) != 1:
        raise _bad("credential", f"exactly one of {', '.join(_CRED_KEYS)} is required")
    key, raw = given[0], data[given[0]]
    reader = parse_reader(data.get("reader"))
    if not isinstance(raw, str):
        raise _bad(key, "must be a string", "bad_credential")
    if key == "card":
        return CredentialRequest(reader, "card", normalize_card(raw))
    if key == "card_hex":
        if not _HEX_CARD_RE.fullmatch(raw):
            raise _bad(key, "2 to 16 hex digits", "bad_credential")
        return CredentialRequest(reader, "card", str(int(raw, 16)))
    if key == "wiegand":
        try:
            card = wiegand.parse_text(raw)
        except wiegand.WiegandError as exc:
            raise _bad(key, str(exc), f"wiegand_{exc.reason}") from None
        return CredentialRequest(reader, "card", card.credential)
    if key == "pin":
        if not _PIN_RE.fullmatch(raw):
            raise _bad(key, "4 to 8 digits", "bad_credential")
        return CredentialRequest(reader, "pin", raw)
    if not 1 <= len(raw) <= MAX_QR_CHARS or not raw.isprintable():
        raise _bad(key, f"1 to {MAX_QR_CHARS} printable characters", "bad_credential")
    return CredentialRequest(reader, "qr", raw)


def parse_status(body: bytes) -> StatusReport:
    """``{"reader": "1", "door": "open" | "closed"}``."""
    data = _object(body)
    extra = set(data) - {"reader", "door"}
    if extra:
        raise _bad(sorted(extra)[0], "unknown field")
    door = data.get("door")
    if door not in ("open", "closed"):
        raise _bad("door", 'must be "open" or "closed"')
    return StatusReport(parse_reader(data.get("reader")), door == "open")


def parse_liveness(value: str | None) -> bool | None:
    """The terminal's own liveness verdict: ``pass``/``fail`` (absent: not checked)."""
    if value is None or value == "":
        return None
    if value.lower() in ("pass", "true", "1", "live"):
        return True
    if value.lower() in ("fail", "false", "0", "spoof"):
        return False
    raise _bad("liveness", 'must be "pass" or "fail"')


def check_image(data: bytes) -> None:
    """A capture must be a JPEG or PNG no larger than :data:`MAX_IMAGE_BYTES`."""
    if len(data) > MAX_IMAGE_BYTES:
        raise PushRejected(413, "too_large", f"image larger than {MAX_IMAGE_BYTES} bytes")
    if not (data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG\r\n\x1a\n")):
        raise _bad("image", "must be a JPEG or PNG image", "not_an_image")


def reply(
    granted: bool,
    reason: str,
    display: str,
    event_id: str,
    *,
    open_s: int = 0,
    commands: list[dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The answer to a presentation."""
    body: dict[str, Any] = {
        "result": "grant" if granted else "deny",
        "reason": reason,
        "display": display,
        "event_id": event_id,
        "open_s": open_s if granted else 0,
        "commands": commands or [],
    }
    body.update(extra or {})
    return body
