"""visitor passes and building intercom calls

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import anfang.store.base

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_T = anfang.store.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    """Create visitor_passes, visitor_pass_uses, resident_users and intercom_calls."""
    op.create_table(
        "visitor_passes",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=64), nullable=False),
        sa.Column("visitor_name", sa.String(length=100), nullable=False),
        sa.Column("name_hash", sa.String(length=16), nullable=False),
        sa.Column("phone_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("doors", sa.JSON(), nullable=False),
        sa.Column("valid_from", _T, nullable=False),
        sa.Column("valid_until", _T, nullable=False),
        sa.Column("uses_allowed", sa.Integer(), nullable=False),
        sa.Column("uses_used", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=8), nullable=False),
        sa.Column("created_at", _T, nullable=False),
        sa.Column("revoked_at", _T, nullable=True),
        sa.Column("revoked_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_visitor_passes_household_id"), "visitor_passes", ["household_id"], unique=False
    )
    op.create_index(op.f("ix_visitor_passes_site_id"), "visitor_passes", ["site_id"], unique=False)
    op.create_table(
        "visitor_pass_uses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pass_id", sa.String(length=26), nullable=False),
        sa.Column("door", sa.String(length=64), nullable=False),
        sa.Column("at", _T, nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["pass_id"], ["visitor_passes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_visitor_pass_uses_pass_id"), "visitor_pass_uses", ["pass_id"], unique=False
    )
    op.create_table(
        "resident_users",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _T, nullable=False),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_index(
        op.f("ix_resident_users_household_id"), "resident_users", ["household_id"], unique=False
    )
    op.create_table(
        "intercom_calls",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("sip_call_id", sa.String(length=200), nullable=False),
        sa.Column("door_station", sa.String(length=64), nullable=False),
        sa.Column("dialed", sa.String(length=64), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("monitor", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("end_reason", sa.String(length=32), nullable=False),
        sa.Column("started_at", _T, nullable=False),
        sa.Column("answered_at", _T, nullable=True),
        sa.Column("unlocked_at", _T, nullable=True),
        sa.Column("unlocked_by", sa.String(length=64), nullable=True),
        sa.Column("ended_at", _T, nullable=True),
        sa.Column("snapshot_path", sa.String(length=300), nullable=True),
        sa.Column("snapshot_bytes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_intercom_calls_household_id"), "intercom_calls", ["household_id"], unique=False
    )
    op.create_index(
        op.f("ix_intercom_calls_sip_call_id"), "intercom_calls", ["sip_call_id"], unique=False
    )
    op.create_index("ix_intercom_calls_started", "intercom_calls", ["started_at"], unique=False)


def downgrade() -> None:
    """Drop this revision's tables."""
    op.drop_table("intercom_calls")
    op.drop_table("resident_users")
    op.drop_table("visitor_pass_uses")
    op.drop_table("visitor_passes")
