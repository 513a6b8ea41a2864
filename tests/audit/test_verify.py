"""The audit chain detects edits, deletions, rewrites and truncation; the CLI says so."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import delete, select, text, update

from anfang.app.platform import Platform
from anfang.audit import chain
from anfang.audit.verify import verify
from anfang.config import Settings
from anfang.store.base import make_engine
from anfang.store.models import AuditCheckpoint, AuditEntry
from tests.conftest import make_settings


async def _filled(tmp_path: Path, n: int = 30, db_url: str | None = None) -> Settings:
    settings = make_settings(tmp_path, audit_checkpoint_every=10, database_url=db_url)
    p = Platform(settings)
    await p.start()
    for i in range(n):
        await p.audit.record(f"user:op{i % 3}", "alarm.acknowledge", f"alarm:{i}", {"i": i})
    await p.stop()
    return settings


def _verify(settings: Settings) -> tuple[bool, int | None, str]:
    from sqlalchemy.orm import Session

    from anfang.audit import keys

    key_path = settings.resolved_audit_key_file()
    engine = make_engine(settings.resolved_database_url())
    with Session(engine) as s:
        r = verify(s, keys.load_or_create(key_path).public_key(), keys.anchor_path(key_path))
    engine.dispose()
    return r.ok, r.first_bad_seq, r.reason


def _cli(settings: Settings) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ANFANG_DATA_DIR": str(settings.data_dir),
        "ANFANG_DATABASE_URL": settings.resolved_database_url(),
    }
    return subprocess.run(
        [sys.executable, "-m", "anfang.cli", "audit", "verify"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _edit(settings: Settings, sql: str) -> None:
    engine = make_engine(settings.resolved_database_url())
    with engine.begin() as conn:
        conn.execute(text(sql))
    engine.dispose()


async def test_intact_chain_verifies_and_cli_exits_zero(tmp_path: Path, db_url: str) -> None:
    settings = await _filled(tmp_path, db_url=db_url)
    assert _verify(settings) == (True, None, "")
    res = _cli(settings)
    assert res.returncode == 0, res.stderr
    assert "intact" in res.stdout


async def test_edited_entry_is_named(tmp_path: Path, db_url: str) -> None:
    settings = await _filled(tmp_path, db_url=db_url)
    _edit(settings, "UPDATE audit_entries SET actor='user:nobody' WHERE seq=12")
    ok, bad, reason = _verify(settings)
    assert not ok and bad == 12 and "altered" in reason
    res = _cli(settings)
    assert res.returncode == 1 and "entry 12" in res.stderr


async def test_deleted_entry_is_named(tmp_path: Path) -> None:
    settings = await _filled(tmp_path)
    _edit(settings, "DELETE FROM audit_entries WHERE seq=7")
    ok, bad, reason = _verify(settings)
    assert not ok and bad == 7 and "missing" in reason


async def test_rewritten_chain_is_caught_by_signed_checkpoints(tmp_path: Path) -> None:
    settings = await _filled(tmp_path)
    engine = make_engine(settings.resolved_database_url())
    from sqlalchemy.orm import Session

    # An attacker with database access edits entry 5 and recomputes every later hash.
    with Session(engine) as s, s.begin():
        rows = list(s.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
        prev = chain.GENESIS
        for e in rows:
            if e.seq == 5:
                e.detail = {"i": 999}
            e.prev_hash = prev
            e.hash = chain.link_hash(
                prev, chain.entry_body(e.seq, e.at, e.actor, e.action, e.target, e.detail)
            )
            prev = e.hash
    engine.dispose()
    ok, bad, reason = _verify(settings)
    assert not ok and "checkpoint" in reason and bad is not None and bad >= 5


async def test_truncation_is_caught_by_the_anchor(tmp_path: Path) -> None:
    settings = await _filled(tmp_path)
    engine = make_engine(settings.resolved_database_url())
    with engine.begin() as conn:
        last = conn.execute(select(AuditEntry.seq).order_by(AuditEntry.seq.desc())).scalar()
        assert last is not None
        conn.execute(delete(AuditEntry).where(AuditEntry.seq > last - 5))
        conn.execute(delete(AuditCheckpoint).where(AuditCheckpoint.seq > last - 5))
    engine.dispose()
    ok, bad, reason = _verify(settings)
    assert not ok and "truncated" in reason and bad == last - 4
    assert _cli(settings).returncode == 1


async def test_forged_checkpoint_signature_is_caught(tmp_path: Path) -> None:
    settings = await _filled(tmp_path)
    engine = make_engine(settings.resolved_database_url())
    with engine.begin() as conn:
        conn.execute(update(AuditCheckpoint).values(signature=b"\x00" * 64))
    engine.dispose()
    ok, _, reason = _verify(settings)
    assert not ok and "signature" in reason
