"""Report signatures with the audit key (Ed25519): a trailer appended to the file names the
report, the key and the signature of every byte before the signature, so any change to an
HTML or PDF report, or to the number it claims, is detected. Pure: the key is handed in."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

TRAILER = re.compile(
    rb"\n(?:<!-- |%)anfang-signature report=(\d{1,12}) key=([0-9a-f]{16}) "
    rb"sig=([A-Za-z0-9+/=]{86,90})(?: -->)?\n\Z"
)


def canonical(body: dict[str, Any]) -> bytes:
    """The report's JSON as signed: sorted keys, no spaces, UTF-8."""
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sign_file(
    data: bytes, key: Ed25519PrivateKey, key_id: str, report_id: int, html: bool
) -> bytes:
    """``data`` with the signature trailer appended (an HTML comment, or a PDF comment line).
    What is signed is every byte up to the signature itself, the report's number included."""
    lead, tail = ("<!-- ", " -->") if html else ("%", "")
    head = data + f"\n{lead}anfang-signature report={report_id} key={key_id} sig=".encode()
    sig = base64.b64encode(key.sign(head)).decode()
    return head + f"{sig}{tail}\n".encode()


@dataclass(frozen=True)
class Verdict:
    """What a signature check found."""

    valid: bool
    reason: str
    report_id: int | None = None
    key_id: str | None = None


def verify_file(data: bytes, public: Ed25519PublicKey, key_id: str) -> Verdict:
    """Check a signed report file against the audit key."""
    m = TRAILER.search(data[-400:]) if len(data) > 0 else None
    if m is None:
        return Verdict(False, "文件中没有 anfang 报告签名")
    rid, kid, sig = int(m.group(1)), m.group(2).decode(), base64.b64decode(m.group(3))
    if kid != key_id:
        return Verdict(False, f"签名密钥 {kid} 不是本系统的审计密钥 {key_id}", rid, kid)
    tail_at = len(data) - len(data[-400:])
    signed = data[: tail_at + m.start(3)]
    try:
        public.verify(sig, signed)
    except InvalidSignature:
        return Verdict(False, "签名不符：报告内容在签发后被改动", rid, kid)
    return Verdict(True, "签名有效：报告自签发后未被改动", rid, kid)
