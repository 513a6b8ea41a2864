"""Verification of the audit chain, its signed checkpoints and the outside anchor."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anfang.audit import chain
from anfang.store.models import AuditCheckpoint, AuditEntry


@dataclass(frozen=True, slots=True)
class Report:
    """The outcome of a verification."""

    ok: bool
    entries: int
    checkpoints: int
    first_bad_seq: int | None = None
    reason: str = ""


def verify(
    session: Session,
    public: Ed25519PublicKey,
    anchor: Path | None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Check every link, every checkpoint signature and the anchor file."""
    total = session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    rows = session.scalars(
        select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=5000)
    )
    with rows:  # closed on an early return too: an open cursor keeps its read snapshot
        found = _walk(rows, total, progress)
    if isinstance(found, Report):
        return found
    hashes, last = found
    return _rest(session, public, anchor, hashes, last)


def _walk(
    rows: Iterable[AuditEntry], total: int, progress: Callable[[int, int], None] | None
) -> Report | tuple[dict[int, str], int]:
    """Walk the chain: the hashes by sequence number and the last one, or what is broken."""
    prev_hash = chain.GENESIS
    expected = 1
    hashes: dict[int, str] = {}
    for e in rows:
        if e.seq != expected:
            return Report(
                False,
                expected - 1,
                0,
                expected,
                f"entry {expected} is missing (next present is {e.seq})",
            )
        if e.prev_hash != prev_hash:
            return Report(
                False, expected - 1, 0, e.seq, f"entry {e.seq} does not link to entry {e.seq - 1}"
            )
        body = chain.entry_body(e.seq, e.at, e.actor, e.action, e.target, e.detail)
        if chain.link_hash(prev_hash, body) != e.hash:
            return Report(False, expected - 1, 0, e.seq, f"entry {e.seq} was altered")
        hashes[e.seq] = e.hash
        prev_hash = e.hash
        expected += 1
        if progress is not None and e.seq % 10_000 == 0:
            progress(e.seq, total)
    return hashes, expected - 1


def _rest(
    session: Session,
    public: Ed25519PublicKey,
    anchor: Path | None,
    hashes: dict[int, str],
    last: int,
) -> Report:
    """Check the signed checkpoints and the anchor file against the walked chain."""
    n_cp = 0
    for cp in session.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.seq)).scalars():
        n_cp += 1
        bad = _check_point(public, cp.seq, cp.hash, cp.signature, hashes, last)
        if bad is not None:
            return Report(False, last, n_cp, bad[0], f"checkpoint: {bad[1]}")
    if anchor is not None and anchor.exists():
        for lineno, line in enumerate(anchor.read_text().splitlines(), 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                seq, digest, sig = int(rec["seq"]), str(rec["hash"]), bytes.fromhex(rec["sig"])
            except (ValueError, KeyError, TypeError):
                return Report(False, last, n_cp, None, f"anchor line {lineno} is unreadable")
            bad = _check_point(public, seq, digest, sig, hashes, last)
            if bad is not None:
                return Report(False, last, n_cp, bad[0], f"anchor line {lineno}: {bad[1]}")
    return Report(True, last, n_cp)


def _check_point(
    public: Ed25519PublicKey, seq: int, digest: str, sig: bytes, hashes: dict[int, str], last: int
) -> tuple[int, str] | None:
    try:
        public.verify(sig, chain.checkpoint_message(seq, digest))
    except InvalidSignature:
        return seq, f"signature for entry {seq} is invalid"
    if seq > last:
        return last + 1, f"entries {last + 1}..{seq} were signed but are missing (truncated)"
    if hashes.get(seq) != digest:
        return seq, f"entry {seq} differs from its signed checkpoint"
    return None
