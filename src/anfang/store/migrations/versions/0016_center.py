"""monitoring centre: duty shifts with their hand-over, the duty log, linkage rules, plans

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import anfang.store.base

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = anfang.store.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    """Create the tables."""
    op.create_table(
        "center_shifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator", sa.String(length=64), nullable=False),
        sa.Column("started_at", _WHEN, nullable=False),
        sa.Column("ended_at", _WHEN, nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("handover_to", sa.String(length=64), nullable=True),
        sa.Column("handover_note", sa.Text(), nullable=False),
        sa.Column("open_items", sa.JSON(), nullable=False),
        sa.Column("handed_over_at", _WHEN, nullable=True),
        sa.Column("accepted_by", sa.String(length=64), nullable=True),
        sa.Column("accepted_at", _WHEN, nullable=True),
        sa.Column("accept_note", sa.Text(), nullable=False),
        sa.Column("next_shift_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_center_shifts_started_at", "center_shifts", ["started_at"], unique=False)
    op.create_index("ix_center_shifts_state", "center_shifts", ["state"], unique=False)
    op.create_table(
        "center_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("at", _WHEN, nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["shift_id"], ["center_shifts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_center_log_shift_id", "center_log", ["shift_id"], unique=False)
    op.create_table(
        "center_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("device_codes", sa.JSON(), nullable=True),
        sa.Column("zone_ids", sa.JSON(), nullable=True),
        sa.Column("building_ids", sa.JSON(), nullable=True),
        sa.Column("schedule", sa.JSON(), nullable=True),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("notify_secret_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "center_rule_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("at", _WHEN, nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_center_rule_versions_rule_id", "center_rule_versions", ["rule_id"], unique=False
    )
    op.create_table(
        "center_map_layers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("floor", sa.Integer(), nullable=True),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("mime", sa.String(length=32), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["building_id"], ["buildings.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "center_map_placements",
        sa.Column("layer_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("x", sa.Double(), nullable=False),
        sa.Column("y", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["layer_id"], ["center_map_layers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("layer_id", "device_id"),
    )
    op.create_index(
        "ix_center_map_placements_device_id", "center_map_placements", ["device_id"], unique=False
    )


def downgrade() -> None:
    """Drop the tables."""
    op.drop_table("center_map_placements")
    op.drop_table("center_map_layers")
    op.drop_table("center_rule_versions")
    op.drop_table("center_rules")
    op.drop_table("center_log")
    op.drop_table("center_shifts")
