"""Storage: SQLAlchemy models, Alembic migrations and the single writer."""
