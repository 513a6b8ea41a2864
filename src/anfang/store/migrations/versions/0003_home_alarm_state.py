"""home alarm partitions, arm state, sealed keys, supervision; perimeter zones

Revision ID: 0003
Revises: 0002

Account keys: a migration cannot seal the plain ``key_hex`` values written by 0002, since
the secrets key file lives outside the database and migrations do not read it. The
column stays (nullable, model attribute ``legacy_key_hex``); the home-alarm component
seals any value left in it into ``key_sealed`` and clears it when the platform starts
(audited as ``alarm_account.key_sealed``). Nothing writes it any more.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import anfang.store.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("alarm_accounts") as batch:
        batch.add_column(sa.Column("key_sealed", sa.LargeBinary(), nullable=True))
        batch.add_column(
            sa.Column("last_seen_at", anfang.store.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column("comm_state", sa.String(length=16), server_default="ok", nullable=False)
        )
    op.create_table(
        "alarm_partitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("partition", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("changed_at", anfang.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("changed_by", sa.String(length=64), nullable=False),
        sa.Column("operator_settable", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["alarm_accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "partition"),
    )
    op.create_index(
        op.f("ix_alarm_partitions_account_id"), "alarm_partitions", ["account_id"], unique=False
    )
    op.create_table(
        "alarm_zones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("zone", sa.String(length=8), nullable=False),
        sa.Column("partition", sa.String(length=8), nullable=True),
        sa.Column("zone_type", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("room", sa.String(length=64), nullable=False),
        sa.Column("site_zone_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["alarm_accounts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["site_zone_id"], ["zones.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "zone"),
    )
    op.create_index(op.f("ix_alarm_zones_account_id"), "alarm_zones", ["account_id"], unique=False)
    op.create_table(
        "perimeter_zone_configs",
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.Column("schedule", sa.JSON(), nullable=True),
        sa.Column("bypass_until", anfang.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("bypass_by", sa.String(length=64), nullable=False),
        sa.Column("bypass_reason", sa.String(length=200), nullable=False),
        sa.Column("updated_at", anfang.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cameras", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["zone_id"], ["zones.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("zone_id"),
    )


def downgrade() -> None:
    """Revert this revision (sealed keys are dropped: re-enter keys after downgrading)."""
    op.drop_table("perimeter_zone_configs")
    op.drop_index(op.f("ix_alarm_zones_account_id"), table_name="alarm_zones")
    op.drop_table("alarm_zones")
    op.drop_index(op.f("ix_alarm_partitions_account_id"), table_name="alarm_partitions")
    op.drop_table("alarm_partitions")
    with op.batch_alter_table("alarm_accounts") as batch:
        batch.drop_column("comm_state")
        batch.drop_column("last_seen_at")
        batch.drop_column("key_sealed")
