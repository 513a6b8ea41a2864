"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from anfang.app.registry import load_all
from anfang.store import migrate
from anfang.store.base import Base, make_engine

load_all()  # every subsystem's tables join Base.metadata


def test_upgrade_to_head_matches_models(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate.upgrade(engine)
        heads = migrate.alembic_config(engine)
        from alembic.script import ScriptDirectory

        assert migrate.current(engine) == ScriptDirectory.from_config(heads).get_current_head()
        migrate.upgrade(engine)  # idempotent
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == [], f"models and migrations disagree: {diff}"
    finally:
        engine.dispose()


REVISION = '''"""a subsystem's own table

Revision ID: plugin_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "plugin_0001"
down_revision = None
branch_labels = ("plugin",)
depends_on = None


def upgrade() -> None:
    op.create_table("plugin_things", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("plugin_things")
'''


def test_a_subsystem_brings_its_own_migrations(tmp_path: Path) -> None:
    """Revisions in a folder of a subsystem's own package run as a branch of their own."""
    folder = tmp_path / "plugin_migrations"
    folder.mkdir()
    (folder / "plugin_0001_things.py").write_text(REVISION, encoding="utf-8")
    engine = make_engine(f"sqlite:///{tmp_path / 'plugin.db'}")
    try:
        migrate.upgrade(engine, [str(folder)])
        migrate.upgrade(engine, [str(folder)])  # idempotent
        with engine.connect() as conn:
            heads = set(MigrationContext.configure(conn).get_current_heads())
            assert conn.execute(text("SELECT count(*) FROM plugin_things")).scalar() == 0
        assert "plugin_0001" in heads and len(heads) == 2
    finally:
        engine.dispose()
