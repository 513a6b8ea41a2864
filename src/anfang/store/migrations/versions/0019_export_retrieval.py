"""video exports: the requesting unit and person, publication (masked), a second person's
approval; state widened for ``awaiting_approval``

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import anfang.store.base

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = anfang.store.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    """Add the columns; widen the state."""
    with op.batch_alter_table("video_exports") as b:
        b.add_column(sa.Column("unit", sa.String(length=200), server_default="", nullable=False))
        b.add_column(
            sa.Column("requester", sa.String(length=100), server_default="", nullable=False)
        )
        b.add_column(
            sa.Column("publication", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        b.add_column(
            sa.Column("approved_by", sa.String(length=100), server_default="", nullable=False)
        )
        b.add_column(sa.Column("approved_at", _WHEN, nullable=True))
        b.alter_column(
            "state",
            existing_type=sa.String(length=16),
            type_=sa.String(length=20),
            existing_nullable=False,
        )


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("video_exports") as b:
        b.alter_column(
            "state",
            existing_type=sa.String(length=20),
            type_=sa.String(length=16),
            existing_nullable=False,
        )
        for col in ("approved_at", "approved_by", "publication", "requester", "unit"):
            b.drop_column(col)
