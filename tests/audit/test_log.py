"""Appending: sequence, links, checkpoints and the anchor file; rolled-back jobs leave no gap."""

from __future__ import annotations

import itertools
import json

import pytest
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.core.writer import WriteContext
from anfang.store.models import AuditCheckpoint, AuditEntry


async def test_entries_link_and_checkpoints_are_anchored(platform: Platform) -> None:
    for i in range(5):
        await platform.audit.record("user:t", "test.action", f"x:{i}", {"i": i})
    await platform.writer.run(platform.audit.checkpoint)
    with platform.read_session() as s:
        entries = list(s.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
        cps = list(s.scalars(select(AuditCheckpoint)))
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert cps and cps[-1].seq == entries[-1].seq
    lines = platform.audit.anchor.read_text().splitlines()
    assert json.loads(lines[-1])["seq"] == entries[-1].seq


async def test_a_failed_job_does_not_break_the_chain(platform: Platform) -> None:
    def append_then_fail(ctx: WriteContext) -> None:
        platform.audit.append(ctx, "user:t", "doomed", "")
        raise RuntimeError("job failed after appending")

    with pytest.raises(RuntimeError):
        await platform.writer.run(append_then_fail)
    seq = await platform.audit.record("user:t", "after", "")
    with platform.read_session() as s:
        seqs = list(s.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)))
        actions = list(s.scalars(select(AuditEntry.action)))
    assert seqs == list(range(1, seq + 1)) and "doomed" not in actions
