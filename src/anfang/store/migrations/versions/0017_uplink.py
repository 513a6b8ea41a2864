"""police uplink: upper platforms, national device IDs, the outboxes, view-library subscriptions

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import anfang.store.base

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = anfang.store.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    """Create the tables."""
    op.create_table(
        "uplink_platforms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("protocol", sa.String(length=16), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("server_id", sa.String(length=20), nullable=False),
        sa.Column("realm", sa.String(length=32), nullable=False),
        sa.Column("host", sa.String(length=200), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("transport", sa.String(length=8), nullable=False),
        sa.Column("local_id", sa.String(length=20), nullable=False),
        sa.Column("local_port", sa.Integer(), nullable=False),
        sa.Column("password_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("charset", sa.String(length=16), nullable=False),
        sa.Column("version", sa.String(length=8), nullable=False),
        sa.Column("expires_s", sa.Integer(), nullable=False),
        sa.Column("keepalive_s", sa.Integer(), nullable=False),
        sa.Column("share", sa.JSON(), nullable=False),
        sa.Column("policy", sa.String(length=16), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("last_success_at", _WHEN, nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "uplink_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("attachment", sa.LargeBinary(), nullable=True),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("sent_at", _WHEN, nullable=True),
        sa.ForeignKeyConstraint(["platform_id"], ["uplink_platforms.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_uplink_outbox_platform_state_id",
        "uplink_outbox",
        ["platform_id", "state", "id"],
        unique=False,
    )
    op.create_table(
        "uplink_national_ids",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("national_id", sa.String(length=20), nullable=False),
        sa.Column("assigned_at", _WHEN, nullable=False),
        sa.Column("assigned_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("device_id"),
        sa.UniqueConstraint("national_id"),
    )
    op.create_table(
        "uplink_federation_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("topic", sa.String(length=16), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "uplink_viid_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("subscribe_id", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.String(length=64), nullable=False),
        sa.Column("receive_addr", sa.String(length=500), nullable=False),
        sa.Column("begin_at", _WHEN, nullable=True),
        sa.Column("end_at", _WHEN, nullable=True),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(["platform_id"], ["uplink_platforms.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_uplink_viid_subscriptions_platform_id",
        "uplink_viid_subscriptions",
        ["platform_id"],
        unique=False,
    )


def downgrade() -> None:
    """Drop the tables."""
    op.drop_index(
        "ix_uplink_viid_subscriptions_platform_id", table_name="uplink_viid_subscriptions"
    )
    op.drop_table("uplink_viid_subscriptions")
    op.drop_table("uplink_federation_outbox")
    op.drop_table("uplink_national_ids")
    op.drop_index("ix_uplink_outbox_platform_state_id", table_name="uplink_outbox")
    op.drop_table("uplink_outbox")
    op.drop_table("uplink_platforms")
