"""physical protection: inventory, inspections, repairs

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import anfang.store.base

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = anfang.store.base.UTCDateTime(timezone=True)
TABLES = ("physical_repairs", "physical_inspections", "physical_items")


def upgrade() -> None:
    """Create the tables."""
    op.create_table(
        "physical_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("geometry", sa.JSON(), nullable=False),
        sa.Column("height_m", sa.Float(), nullable=True),
        sa.Column("length_m", sa.Float(), nullable=True),
        sa.Column("material", sa.String(length=32), nullable=False),
        sa.Column("anti_climb", sa.JSON(), nullable=False),
        sa.Column("bar_gap_cm", sa.Float(), nullable=True),
        sa.Column("low_rails", sa.Boolean(), nullable=False),
        sa.Column("locking", sa.String(length=16), nullable=False),
        sa.Column("floor", sa.Integer(), nullable=True),
        sa.Column("zone_id", sa.Integer(), nullable=True),
        sa.Column("checkpoint_id", sa.Integer(), nullable=True),
        sa.Column("checklist", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["zone_id"], ["zones.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("site_id", "code"),
    )
    op.create_index(op.f("ix_physical_items_site_id"), "physical_items", ["site_id"], unique=False)
    op.create_index(op.f("ix_physical_items_zone_id"), "physical_items", ["zone_id"], unique=False)
    op.create_table(
        "physical_inspections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("at", _WHEN, nullable=False),
        sa.Column("inspector", sa.String(length=64), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("repair_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["physical_items.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_physical_inspections_at"), "physical_inspections", ["at"], unique=False
    )
    op.create_index(
        op.f("ix_physical_inspections_item_id"), "physical_inspections", ["item_id"], unique=False
    )
    op.create_table(
        "physical_repairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("source_ref", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("photo", sa.String(length=64), nullable=True),
        sa.Column("opened_at", _WHEN, nullable=False),
        sa.Column("opened_by", sa.String(length=64), nullable=False),
        sa.Column("assignee", sa.String(length=100), nullable=False),
        sa.Column("deadline", _WHEN, nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("closed_at", _WHEN, nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("evidence", sa.String(length=500), nullable=False),
        sa.Column("evidence_photo", sa.String(length=64), nullable=True),
        sa.Column("overdue_alerted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["physical_items.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_physical_repairs_item_id"), "physical_repairs", ["item_id"], unique=False
    )
    op.create_index(op.f("ix_physical_repairs_state"), "physical_repairs", ["state"], unique=False)


def downgrade() -> None:
    """Drop them."""
    for table in TABLES:
        op.drop_table(table)
