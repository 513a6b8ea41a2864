"""The pure hash-chain rule: SHA-256 over canonical JSON plus the previous hash."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import orjson

GENESIS = "0" * 64


def canonical(value: Any) -> bytes:
    """Canonical JSON: sorted keys, no spaces, UTF-8, times as UTC ISO-8601."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_UTC_Z)


def entry_body(
    seq: int, at: datetime, actor: str, action: str, target: str, detail: dict[str, Any]
) -> dict[str, Any]:
    """The fields of an entry that its hash covers."""
    return {
        "seq": seq,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "target": target,
        "detail": detail,
    }


def link_hash(prev_hash: str, body: dict[str, Any]) -> str:
    """The hash of an entry: SHA-256(prev_hash ‖ canonical(body)), hex."""
    h = hashlib.sha256(prev_hash.encode("ascii"))
    h.update(canonical(body))
    return h.hexdigest()


def checkpoint_message(seq: int, hash_: str) -> bytes:
    """The bytes a checkpoint signature covers."""
    return f"anfang-audit-checkpoint:{seq}:{hash_}".encode("ascii")
