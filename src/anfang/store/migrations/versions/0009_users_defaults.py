"""users: password change required, last login; alarm definitions: the default they came from

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import anfang.store.base

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the columns; existing users and definitions keep working unchanged."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch_op.add_column(
            sa.Column(
                "password_changed_at", anfang.store.base.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("last_login_at", anfang.store.base.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("alarm_definitions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("default_key", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("default_digest", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.create_unique_constraint("uq_alarm_definitions_default_key", ["default_key"])


def downgrade() -> None:
    """Drop the columns."""
    with op.batch_alter_table("alarm_definitions", schema=None) as batch_op:
        batch_op.drop_constraint("uq_alarm_definitions_default_key", type_="unique")
        batch_op.drop_column("default_digest")
        batch_op.drop_column("default_key")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("last_login_at")
        batch_op.drop_column("password_changed_at")
        batch_op.drop_column("must_change_password")
