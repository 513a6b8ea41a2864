"""Alembic environment: uses the engine handed in by anfang.store.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine, create_engine

from anfang.store.base import Base
from anfang.subsystems import load_all

load_all()  # every subsystem's tables join Base.metadata

config = context.config
engine = config.attributes.get("engine")
if not isinstance(engine, Engine):
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
