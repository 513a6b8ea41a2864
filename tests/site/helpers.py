"""Shared pieces of the site-model tests: a started platform on either database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.store.models import AuditEntry
from tests.conftest import make_settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "site-file.md"


@asynccontextmanager
async def running(tmp: Path, db_url: str, **over: object) -> AsyncIterator[Platform]:
    """A started platform on ``db_url``, stopped afterwards."""
    plat = Platform(make_settings(tmp, database_url=db_url, **over))
    await plat.start()
    try:
        yield plat
    finally:
        await plat.stop()


def audit_actions(plat: Platform) -> list[tuple[str, str, str]]:
    """(actor, action, target) of every audit entry, oldest first."""
    with plat.read_session() as s:
        rows = s.execute(
            select(AuditEntry.actor, AuditEntry.action, AuditEntry.target).order_by(AuditEntry.seq)
        )
        return [(a, b, c) for a, b, c in rows]


def doc_block(lang: str, index: int = 0) -> str:
    """The ``index``-th fenced code block of ``lang`` in docs/site-file.md."""
    text = DOC.read_text(encoding="utf-8")
    blocks = text.split(f"```{lang}\n")[1:]
    return blocks[index].split("```", 1)[0]
