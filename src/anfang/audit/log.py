"""The audit log: appends through the single writer, checkpoints signed with Ed25519."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.audit import chain, keys
from anfang.audit.anchors import Anchors
from anfang.core.events import Event
from anfang.core.writer import WriteContext, Writer
from anfang.store.base import utcnow
from anfang.store.models import AuditCheckpoint, AuditEntry


@dataclass(slots=True)
class _Head:
    seq: int = 0
    hash: str = chain.GENESIS
    cp_seq: int = 0
    cp_time: float = 0.0


class AuditLog:
    """Appends hash-chained entries and writes signed checkpoints (a writer hook)."""

    def __init__(
        self,
        writer: Writer,
        key: Ed25519PrivateKey,
        anchor: Path | Anchors,
        *,
        checkpoint_every: int = 100,
        checkpoint_seconds: float = 1.0,
    ) -> None:
        self.writer = writer
        self.key = key
        self.key_id = keys.key_id(key.public_key())
        self.anchors = anchor if isinstance(anchor, Anchors) else Anchors(anchor)
        self.anchor = self.anchors.primary
        self.broken: str | None = None  # why the chain disagrees with its anchors, if it does
        self.every = checkpoint_every
        self.seconds = checkpoint_seconds
        self._head = _Head()
        self._task: asyncio.Task[None] | None = None

    # ------------------------------------------------------------- writer hook

    def load(self, session: Session) -> None:
        """Read the chain's head and the last checkpoint."""
        last = session.execute(
            select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
        ).first()
        cp = session.execute(
            select(AuditCheckpoint.seq).order_by(AuditCheckpoint.seq.desc()).limit(1)
        ).scalar()
        self._head = _Head(
            seq=last[0] if last else 0,
            hash=last[1] if last else chain.GENESIS,
            cp_seq=cp or 0,
            cp_time=time.monotonic(),
        )

    def prepare(self, ctx: WriteContext, events: list[Event]) -> list[Event]:
        """Events need nothing from the audit log."""
        return []

    def after_insert(self, ctx: WriteContext, events: list[Event]) -> None:
        """Events are not audit entries."""

    def on_changed(self, ctx: WriteContext, topics: set[str]) -> None:
        """The audit head is never changed by others."""

    # ------------------------------------------------------------- appending

    def append(
        self,
        ctx: WriteContext,
        actor: str,
        action: str,
        target: str = "",
        detail: dict[str, Any] | None = None,
    ) -> int:
        """Append one entry inside the writer's transaction; returns its sequence number."""
        head = self._head
        seq = head.seq + 1
        at = utcnow()
        detail = detail or {}
        body = chain.entry_body(seq, at, actor, action, target, detail)
        digest = chain.link_hash(head.hash, body)
        ctx.session.add(
            AuditEntry(
                seq=seq,
                at=at,
                actor=actor,
                action=action,
                target=target,
                detail=detail,
                prev_hash=head.hash,
                hash=digest,
            )
        )
        ctx.session.flush()
        prev = (head.seq, head.hash)
        head.seq, head.hash = seq, digest

        def undo() -> None:  # the savepoint rolled back: so does our head
            head.seq, head.hash = prev

        ctx.session.info.setdefault("on_rollback", []).append(undo)
        if seq - head.cp_seq >= self.every or time.monotonic() - head.cp_time >= self.seconds:
            self.checkpoint(ctx)
        ctx.publish(
            "audit.appended", {"seq": seq, "actor": actor, "action": action, "target": target}
        )
        return seq

    def checkpoint(self, ctx: WriteContext) -> None:
        """Sign the current head, store the signature and anchor it outside the database."""
        head = self._head
        if head.seq == 0 or head.seq == head.cp_seq:
            return
        seq, digest = head.seq, head.hash
        sig = self.key.sign(chain.checkpoint_message(seq, digest))
        at = utcnow()
        ctx.session.add(
            AuditCheckpoint(seq=seq, hash=digest, at=at, key_id=self.key_id, signature=sig)
        )
        head.cp_seq, head.cp_time = seq, time.monotonic()
        line = json.dumps(
            {
                "seq": seq,
                "hash": digest,
                "at": at.isoformat(),
                "key_id": self.key_id,
                "sig": sig.hex(),
            }
        )
        ctx.after_commit(lambda: self.anchors.append(line))

    async def record(
        self, actor: str, action: str, target: str = "", detail: dict[str, Any] | None = None
    ) -> int:
        """Append an entry and wait until it is durable."""
        return await self.writer.run(lambda ctx: self.append(ctx, actor, action, target, detail))

    # ------------------------------------------------------------- periodic checkpoint

    async def start(self) -> None:
        """Checkpoint the tail at least every ``checkpoint_seconds``."""
        self._task = asyncio.create_task(self._tick(), name="audit-checkpoint")

    async def stop(self) -> None:
        """Stop ticking and checkpoint what is left."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            await self.writer.run(self.checkpoint)

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.seconds)
            if self._head.seq != self._head.cp_seq:
                with contextlib.suppress(Exception):
                    await self.writer.run(self.checkpoint)


def entry_json(e: AuditEntry) -> dict[str, Any]:
    """An audit entry as JSON-ready data."""
    at: datetime = e.at
    return {
        "seq": e.seq,
        "at": at.isoformat(),
        "actor": e.actor,
        "action": e.action,
        "target": e.target,
        "detail": e.detail,
        "hash": e.hash,
    }
