"""ids never reused on SQLite: the per-table high-water mark

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the table (empty: each table's current maximum is its mark)."""
    op.create_table(
        "id_high_water",
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("table_name"),
    )


def downgrade() -> None:
    """Drop the table."""
    op.drop_table("id_high_water")
