"""The linkage webhook as bytes: the JSON body, its HMAC-SHA256 signature (the same scheme
devices use to sign what they push: hex HMAC over ``timestamp + "\\n" + body``), the headers,
and how long to wait before each retry. Pure: no I/O."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import orjson

MAX_ATTEMPTS = 5


def body(rule_id: int, rule: str, delivery: str, event: dict[str, Any]) -> bytes:
    """The request body: which rule fired, a delivery id (the same on every retry, so the
    receiver can drop duplicates), and the event."""
    return orjson.dumps(
        {"delivery": delivery, "rule": {"id": rule_id, "name": rule}, "event": event}
    )


def sign(secret: bytes, timestamp: str, payload: bytes) -> str:
    """Hex HMAC-SHA256 over ``timestamp + "\\n" + payload``."""
    return hmac.new(secret, timestamp.encode() + b"\n" + payload, hashlib.sha256).hexdigest()


def headers(secret: bytes | None, timestamp: str, delivery: str, payload: bytes) -> dict[str, str]:
    """The request headers (signed where the rule has a key)."""
    out = {
        "Content-Type": "application/json",
        "User-Agent": "anfang-linkage/1",
        "X-Anfang-Delivery": delivery,
        "X-Anfang-Timestamp": timestamp,
    }
    if secret is not None:
        out["X-Anfang-Signature"] = sign(secret, timestamp, payload)
    return out


def retry_after(attempt: int, status: int | None) -> float | None:
    """Seconds to wait before attempt ``attempt + 1``; ``None``: give up (done trying, or a
    4xx answer other than 408/429, which retrying cannot fix)."""
    if attempt >= MAX_ATTEMPTS:
        return None
    if status is not None and 400 <= status < 500 and status not in (408, 429):
        return None
    return float(min(2 ** (attempt - 1), 30))
