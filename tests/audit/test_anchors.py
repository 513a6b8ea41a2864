"""The audit chain is checked against its anchors at start: a truncated or emptied chain,
a removed primary anchor, a dropped table refuse the start; a mirror outside the machine
catches what an attacker who also edits the local anchor hides (issue 14, item 5)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from anfang.app.http import create_app
from anfang.app.platform import Platform
from anfang.audit.anchors import ANCHOR_NAME, Anchors, AuditChainBroken, last_anchored
from anfang.config import Settings
from tests.conftest import make_settings


async def _history(settings: Settings, n: int = 20) -> None:
    plat = Platform(settings)
    await plat.start()
    for i in range(n):
        await plat.audit.record("user:t", "test.action", f"x:{i}")
        if i % 5 == 4:
            await plat.writer.run(plat.audit.checkpoint)
    await plat.stop()


def _sql(settings: Settings, *statements: str) -> None:
    with sqlite3.connect(settings.data_dir / "anfang.db") as db:
        for statement in statements:
            db.execute(statement)


async def _refused(settings: Settings) -> str:
    plat = Platform(settings)
    with pytest.raises(AuditChainBroken) as info:
        await plat.start()
    plat.engine.dispose()
    plat.write_engine.dispose()
    return str(info.value)


def _anchor(settings: Settings) -> Path:
    return settings.resolved_audit_key_file().with_name(ANCHOR_NAME)


async def test_a_truncated_chain_refuses_the_start(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    await _history(settings)
    _sql(settings, "DELETE FROM audit_entries WHERE seq > 10", "DELETE FROM audit_checkpoints")
    assert "truncated at entry 10" in await _refused(settings)


async def test_an_emptied_chain_refuses_the_start(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    await _history(settings)
    _sql(settings, "DELETE FROM audit_entries", "DELETE FROM audit_checkpoints")
    assert "emptied" in await _refused(settings)


async def test_a_removed_primary_anchor_refuses_the_start(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    await _history(settings)
    _anchor(settings).unlink()
    assert "is gone" in await _refused(settings)


async def test_an_edited_entry_refuses_the_start(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    await _history(settings)
    last = last_anchored(_anchor(settings), _key(settings).public_key())
    assert last is not None
    _sql(settings, f"UPDATE audit_entries SET hash = 'x' WHERE seq = {last.seq}")
    assert f"entry {last.seq} differs" in await _refused(settings)


async def test_a_dropped_table_is_named_not_a_traceback(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    await _history(settings, 2)
    _sql(settings, "DROP TABLE audit_entries")
    message = await _refused(settings)
    assert "tables missing from the database: audit_entries" in message


async def test_a_mirror_catches_what_the_local_anchor_hides(tmp_path: Path) -> None:
    mirror = tmp_path / "worm"
    settings = make_settings(tmp_path / "data", audit_anchor_mirrors=str(mirror))
    await _history(settings)
    assert (mirror / ANCHOR_NAME).read_text() == _anchor(settings).read_text()
    # Rows, checkpoints and the local anchor all cut back consistently to entry 10.
    _sql(settings, "DELETE FROM audit_entries WHERE seq > 10", "DELETE FROM audit_checkpoints")
    _anchor(settings).unlink()
    assert f"{mirror / ANCHOR_NAME} anchors entry" in await _refused(settings)


async def test_starting_flagged_is_loud(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    await _history(settings)
    _sql(settings, "DELETE FROM audit_entries WHERE seq > 10", "DELETE FROM audit_checkpoints")
    flagged = settings.model_copy(update={"audit_start_flagged": True})
    plat = Platform(flagged)
    await plat.start()
    try:
        assert plat.audit.broken is not None and "truncated" in plat.audit.broken
        app = create_app(flagged, platform=plat)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as c:
            r = await c.get("/healthz")
        assert r.status_code == 503 and "chain broken" in r.json()["audit"]
        with plat.read_session() as s:
            from sqlalchemy import select

            from anfang.store.models import AuditEntry

            actions = list(s.scalars(select(AuditEntry.action)))
        assert "audit.chain_broken" in actions
    finally:
        await plat.stop()


def _key(settings: Settings) -> Ed25519PrivateKey:
    from anfang.audit import keys

    return keys.load_or_create(settings.resolved_audit_key_file())


def test_anchor_lines_go_to_every_place(tmp_path: Path) -> None:
    anchors = Anchors(tmp_path / "a" / ANCHOR_NAME, [tmp_path / "m1", tmp_path / "m2"])
    anchors.append('{"seq": 1}')
    assert [p.read_text() for p in anchors.files()] == ['{"seq": 1}\n'] * 3
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in anchors.files())


def test_anchor_lines_reach_a_remote_syslog() -> None:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sink:
        sink.bind(("127.0.0.1", 0))
        sink.settimeout(5)
        port = sink.getsockname()[1]
        anchors = Anchors(
            Path("/nonexistent/never") / ANCHOR_NAME, syslog=f"udp://127.0.0.1:{port}"
        )
        anchors.append('{"seq": 7, "hash": "ab"}')
        data = sink.recv(4096).decode()
    assert 'anfang-audit: {"seq": 7, "hash": "ab"}' in data
