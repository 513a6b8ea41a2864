"""guard tour: checkpoints, guards, routes, schedules, holidays, rounds, check-ins

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import anfang.store.base

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = anfang.store.base.UTCDateTime(timezone=True)
TABLES = (
    "patrol_rounds", "patrol_schedules", "patrol_checkins", "patrol_routes", "patrol_guards",
    "patrol_checkpoints", "patrol_holidays",
)  # fmt: skip


def upgrade() -> None:
    """Create the guard tour's tables."""
    op.create_table(
        "patrol_holidays",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    op.create_table(
        "patrol_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("tag_kind", sa.String(length=8), nullable=False),
        sa.Column("tag", sa.String(length=128), nullable=False),
        sa.Column("map_x", sa.Float(), nullable=True),
        sa.Column("map_y", sa.Float(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("site_id", "code"),
        sa.UniqueConstraint("tag_kind", "tag"),
    )
    op.create_index(
        op.f("ix_patrol_checkpoints_site_id"), "patrol_checkpoints", ["site_id"], unique=False
    )
    op.create_table(
        "patrol_guards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("badge", sa.String(length=64), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("badge"),
        sa.UniqueConstraint("site_id", "code"),
    )
    op.create_index(op.f("ix_patrol_guards_site_id"), "patrol_guards", ["site_id"], unique=False)
    op.create_table(
        "patrol_routes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("points", sa.JSON(), nullable=False),
        sa.Column("tolerance_min", sa.Float(), nullable=False),
        sa.Column("grace_min", sa.Float(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("site_id", "code"),
    )
    op.create_index(op.f("ix_patrol_routes_site_id"), "patrol_routes", ["site_id"], unique=False)
    op.create_table(
        "patrol_checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=26), nullable=False),
        sa.Column("device", sa.String(length=64), nullable=False),
        sa.Column("tag_kind", sa.String(length=8), nullable=False),
        sa.Column("tag", sa.String(length=128), nullable=False),
        sa.Column("guard", sa.String(length=64), nullable=True),
        sa.Column("checkpoint_id", sa.Integer(), nullable=True),
        sa.Column("occurred_at", _WHEN, nullable=False),
        sa.Column("received_at", _WHEN, nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["checkpoint_id"], ["patrol_checkpoints.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    op.create_index(
        "ix_patrol_checkins_cp_at",
        "patrol_checkins",
        ["checkpoint_id", "occurred_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_patrol_checkins_occurred_at"), "patrol_checkins", ["occurred_at"], unique=False
    )
    op.create_index(
        op.f("ix_patrol_checkins_verdict"), "patrol_checkins", ["verdict"], unique=False
    )
    op.create_table(
        "patrol_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("guard_id", sa.Integer(), nullable=True),
        sa.Column("days", sa.JSON(), nullable=False),
        sa.Column("times", sa.JSON(), nullable=False),
        sa.Column("every_min", sa.Integer(), nullable=True),
        sa.Column("from_time", sa.String(length=5), nullable=False),
        sa.Column("until_time", sa.String(length=5), nullable=False),
        sa.Column("start_window_min", sa.Float(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("on_holidays", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(["guard_id"], ["patrol_guards.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["route_id"], ["patrol_routes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_patrol_schedules_route_id"), "patrol_schedules", ["route_id"], unique=False
    )
    op.create_table(
        "patrol_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("guard_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("planned_start", _WHEN, nullable=False),
        sa.Column("deadline", _WHEN, nullable=False),
        sa.Column("route_version", sa.Integer(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("finished", sa.Boolean(), nullable=False),
        sa.Column("started_at", _WHEN, nullable=True),
        sa.Column("guard_seen", sa.String(length=64), nullable=True),
        sa.Column("points_total", sa.Integer(), nullable=False),
        sa.Column("points_on_time", sa.Integer(), nullable=False),
        sa.Column("points_late", sa.Integer(), nullable=False),
        sa.Column("points_missed", sa.Integer(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("alerts", sa.JSON(), nullable=False),
        sa.Column("dirty", sa.Boolean(), nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(["guard_id"], ["patrol_guards.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["route_id"], ["patrol_routes.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["schedule_id"], ["patrol_schedules.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("schedule_id", "planned_start"),
    )
    op.create_index(op.f("ix_patrol_rounds_day"), "patrol_rounds", ["day"], unique=False)
    op.create_index(op.f("ix_patrol_rounds_dirty"), "patrol_rounds", ["dirty"], unique=False)
    op.create_index(op.f("ix_patrol_rounds_route_id"), "patrol_rounds", ["route_id"], unique=False)
    op.create_index(
        "ix_patrol_rounds_span", "patrol_rounds", ["planned_start", "deadline"], unique=False
    )


def downgrade() -> None:
    """Drop them."""
    for table in TABLES:
        op.drop_table(table)
