"""Where the audit chain's signed checkpoints are anchored outside the database, and the
check at start that the chain and its anchors agree.

Every checkpoint line goes to the primary anchor file (beside the signing key), to each
mirror directory (``ANFANG_AUDIT_ANCHOR_MIRRORS``: a write-once or another machine's
share) and, when set, to a remote syslog (``ANFANG_AUDIT_SYSLOG``). docs/security.md says
what each protects against. At start, a chain shorter than an anchor (truncated or
emptied), an entry that differs from its anchor, or a primary anchor gone while the
database holds checkpoints, refuses the start (issue 14).
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from anfang.audit import chain
from anfang.store.models import AuditCheckpoint, AuditEntry

log = logging.getLogger(__name__)
ANCHOR_NAME = "audit-anchor.jsonl"


class AuditChainBroken(Exception):
    """The audit chain and its anchors disagree; the message says how."""


@dataclass(frozen=True, slots=True)
class Anchored:
    """The last checkpoint an anchor file holds that carries a valid signature."""

    source: Path
    seq: int
    hash: str


def _syslog(url: str) -> logging.Handler:
    parts = urlsplit(url)
    if parts.scheme not in ("udp", "tcp") or not parts.hostname:
        raise ValueError(f"audit syslog must be udp://host:port or tcp://host:port, not {url!r}")
    kind = socket.SOCK_DGRAM if parts.scheme == "udp" else socket.SOCK_STREAM
    handler = logging.handlers.SysLogHandler(
        (parts.hostname, parts.port or 514),
        facility=logging.handlers.SysLogHandler.LOG_AUTH,
        socktype=kind,
    )
    handler.setFormatter(logging.Formatter("anfang-audit: %(message)s"))
    return handler


@dataclass
class Anchors:
    """The places checkpoint lines are appended to."""

    primary: Path
    mirrors: list[Path] = field(default_factory=list)
    syslog: str | None = None
    _remote: logging.Logger | None = None

    def __post_init__(self) -> None:
        if self.syslog:
            self._remote = logging.getLogger("anfang.audit.anchor.remote")
            self._remote.propagate = False
            self._remote.setLevel(logging.INFO)
            self._remote.addHandler(_syslog(self.syslog))

    def files(self) -> list[Path]:
        """Every anchor file, the primary first."""
        return [self.primary, *(d / ANCHOR_NAME for d in self.mirrors)]

    def append(self, line: str) -> None:
        """Append ``line`` durably to every file and send it to the remote syslog."""
        for path in self.files():
            try:
                _append(path, line)
            except OSError:  # one unreachable mirror must not lose the others
                log.exception("audit anchor %s could not be written", path)
        if self._remote is not None:
            self._remote.info(line)


def _append(path: Path, line: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def last_anchored(path: Path, public: Ed25519PublicKey) -> Anchored | None:
    """The highest checkpoint in ``path`` with a valid signature (``None``: none)."""
    best: Anchored | None = None
    for line in path.read_text(errors="replace").splitlines():
        try:
            rec = json.loads(line)
            seq, digest, sig = int(rec["seq"]), str(rec["hash"]), bytes.fromhex(rec["sig"])
            public.verify(sig, chain.checkpoint_message(seq, digest))
        except (ValueError, KeyError, TypeError, InvalidSignature):
            continue  # a torn last line, or another key's: verify() reports those
        if best is None or seq > best.seq:
            best = Anchored(path, seq, digest)
    return best


def check(session: Session, public: Ed25519PublicKey, anchors: Anchors) -> str | None:
    """Why the chain in the database disagrees with its anchors (``None``: it agrees)."""
    try:
        head = session.scalar(select(func.max(AuditEntry.seq))) or 0
        signed = session.scalar(select(func.max(AuditCheckpoint.seq))) or 0
    except (OperationalError, ProgrammingError):
        return "the audit tables are missing: the database was altered outside anfang"
    for path in anchors.files():
        if not path.exists():
            if path == anchors.primary and signed:
                return (
                    f"the audit anchor {path} is gone while the database holds checkpoints "
                    f"up to entry {signed}"
                )
            continue
        found = last_anchored(path, public)
        if found is None:
            continue
        if found.seq > head:
            what = "emptied" if head == 0 else f"truncated at entry {head}"
            return f"the audit chain was {what}: {path} anchors entry {found.seq}"
        stored = session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == found.seq))
        if stored != found.hash:
            return f"audit entry {found.seq} differs from its anchor in {path}"
    return None
