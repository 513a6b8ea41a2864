"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

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
