"""car park: lots, lanes, listed vehicles, invitations, sessions

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import anfang.store.base

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = anfang.store.base.UTCDateTime(timezone=True)
TABLES = (
    "parking_sessions",
    "parking_invites",
    "parking_vehicles",
    "parking_lanes",
    "parking_lots",
)


def upgrade() -> None:
    """Create the car park's tables."""
    op.create_table(
        "parking_lots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("overstay_h", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("site_id", "code"),
    )
    op.create_index(op.f("ix_parking_lots_site_id"), "parking_lots", ["site_id"], unique=False)
    op.create_table(
        "parking_lanes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_code", sa.String(length=64), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("barrier", sa.String(length=64), nullable=True),
        sa.Column("open_visitors", sa.Boolean(), nullable=False),
        sa.Column("open_unknown", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["lot_id"], ["parking_lots.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("device_code"),
    )
    op.create_table(
        "parking_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("plate", sa.String(length=16), nullable=False),
        sa.Column("vehicle_class", sa.String(length=12), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("entry_event", sa.String(length=26), nullable=True),
        sa.Column("entered_at", _WHEN, nullable=True),
        sa.Column("exit_event", sa.String(length=26), nullable=True),
        sa.Column("exited_at", _WHEN, nullable=True),
        sa.Column("exit_plate", sa.String(length=16), nullable=True),
        sa.Column("match", sa.String(length=12), nullable=False),
        sa.Column("near", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["lot_id"], ["parking_lots.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_parking_sessions_entered_at"), "parking_sessions", ["entered_at"], unique=False
    )
    op.create_index(
        op.f("ix_parking_sessions_exited_at"), "parking_sessions", ["exited_at"], unique=False
    )
    op.create_index(
        "ix_parking_sessions_inside", "parking_sessions", ["lot_id", "state", "plate"], unique=False
    )
    op.create_index(op.f("ix_parking_sessions_state"), "parking_sessions", ["state"], unique=False)
    op.create_table(
        "parking_invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plate", sa.String(length=16), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("visitor", sa.String(length=100), nullable=False),
        sa.Column("valid_from", _WHEN, nullable=False),
        sa.Column("valid_until", _WHEN, nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_parking_invites_plate", "parking_invites", ["plate", "valid_until"], unique=False
    )
    op.create_table(
        "parking_vehicles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plate", sa.String(length=16), nullable=False),
        sa.Column("colour", sa.String(length=16), nullable=True),
        sa.Column("list", sa.String(length=8), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("valid_from", _WHEN, nullable=True),
        sa.Column("valid_until", _WHEN, nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plate"),
    )
    op.create_index(
        op.f("ix_parking_vehicles_household_id"), "parking_vehicles", ["household_id"], unique=False
    )


def downgrade() -> None:
    """Drop them."""
    for table in TABLES:
        op.drop_table(table)
