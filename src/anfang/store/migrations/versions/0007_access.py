"""access control: doors, readers, credentials, rules, passback

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import anfang.store.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "access_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "access_holidays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("day"),
    )
    op.create_table(
        "access_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("windows", sa.JSON(), nullable=False),
        sa.Column("holiday_windows", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "access_doors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("anti_passback", sa.String(length=8), nullable=False),
        sa.Column("passback_area", sa.String(length=64), nullable=True),
        sa.Column("unlock_s", sa.Integer(), nullable=False),
        sa.Column("held_open_s", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("state_at", anfang.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("open_since", anfang.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("alarm", sa.String(length=8), nullable=True),
        sa.Column("passback_reset_h", sa.Integer(), nullable=True),
        sa.Column("passback_reset_at", sa.String(length=5), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", anfang.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index(op.f("ix_access_doors_site_id"), "access_doors", ["site_id"], unique=False)
    op.create_table(
        "access_commands",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("door_id", sa.Integer(), nullable=False),
        sa.Column("command", sa.String(length=16), nullable=False),
        sa.Column("reader", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.String(length=26), nullable=False),
        sa.Column("created_at", anfang.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", anfang.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", anfang.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["door_id"], ["access_doors.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_access_commands_pending", "access_commands", ["device_id", "delivered_at"], unique=False
    )
    op.create_table(
        "access_holders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("valid_from", anfang.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("valid_until", anfang.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", anfang.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("resident_id"),
    )
    op.create_table(
        "access_readers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("door_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=32), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("scbk_sealed", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["door_id"], ["access_doors.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("device_id", "address"),
    )
    op.create_index(op.f("ix_access_readers_door_id"), "access_readers", ["door_id"], unique=False)
    op.create_table(
        "access_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("door_id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["door_id"], ["access_doors.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["group_id"], ["access_groups.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["schedule_id"], ["access_schedules.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("group_id", "door_id"),
    )
    op.create_index(op.f("ix_access_rules_door_id"), "access_rules", ["door_id"], unique=False)
    op.create_table(
        "access_credentials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("valid_from", anfang.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("valid_until", anfang.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", anfang.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["holder_id"], ["access_holders.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "value"),
    )
    op.create_index(
        op.f("ix_access_credentials_holder_id"), "access_credentials", ["holder_id"], unique=False
    )
    op.create_table(
        "access_group_members",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["access_groups.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["holder_id"], ["access_holders.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("group_id", "holder_id"),
    )
    op.create_index(
        op.f("ix_access_group_members_holder_id"),
        "access_group_members",
        ["holder_id"],
        unique=False,
    )
    op.create_table(
        "access_passback",
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=64), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("at", anfang.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["holder_id"], ["access_holders.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("holder_id", "area"),
    )

    op.create_table(
        "access_captures",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("event_id", sa.String(length=26), nullable=False),
        sa.Column("hold_event_id", sa.String(length=26), nullable=True),
        sa.Column("created_at", anfang.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_index(
        op.f("ix_access_captures_created_at"), "access_captures", ["created_at"], unique=False
    )
    op.create_index(
        op.f("ix_access_captures_event_id"), "access_captures", ["event_id"], unique=False
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_access_captures_event_id"), table_name="access_captures")
    op.drop_index(op.f("ix_access_captures_created_at"), table_name="access_captures")
    op.drop_table("access_captures")
    op.drop_table("access_passback")
    op.drop_index(op.f("ix_access_group_members_holder_id"), table_name="access_group_members")
    op.drop_table("access_group_members")
    op.drop_index(op.f("ix_access_credentials_holder_id"), table_name="access_credentials")
    op.drop_table("access_credentials")
    op.drop_index(op.f("ix_access_rules_door_id"), table_name="access_rules")
    op.drop_table("access_rules")
    op.drop_index(op.f("ix_access_readers_door_id"), table_name="access_readers")
    op.drop_table("access_readers")
    op.drop_table("access_holders")
    op.drop_index("ix_access_commands_pending", table_name="access_commands")
    op.drop_table("access_commands")
    op.drop_index(op.f("ix_access_doors_site_id"), table_name="access_doors")
    op.drop_table("access_doors")
    op.drop_table("access_schedules")
    op.drop_table("access_holidays")
    op.drop_table("access_groups")
