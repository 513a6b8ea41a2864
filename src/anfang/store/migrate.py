"""Alembic migrations, run programmatically (no alembic.ini needed)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine, extra: Sequence[str] = ()) -> Config:
    """An Alembic configuration bound to ``engine``; ``extra`` names more folders of
    migrations (a subsystem's own package may bring some)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option(
        "version_locations", os.pathsep.join([str(MIGRATIONS / "versions"), *extra])
    )
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, extra: Sequence[str] = (), revision: str = "heads") -> None:
    """Bring the database schema up to ``revision`` (every branch's head by default)."""
    command.upgrade(alembic_config(engine, extra), revision)


def current(engine: Engine) -> str | None:
    """The schema revision the database is at."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def missing_tables(engine: Engine) -> list[str]:
    """The tables of the loaded models that the database lacks (after an upgrade: ones
    dropped outside anfang, which would otherwise fail later with a traceback)."""
    from sqlalchemy import inspect

    from anfang.store.base import Base

    present = set(inspect(engine).get_table_names())
    return sorted(name for name in Base.metadata.tables if name not in present)
