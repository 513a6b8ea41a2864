"""compliance: documents, life-cycle steps, change requests, rectification orders and
answers, signed checker reports, retention per record type; maintenance work orders and
product data

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import anfang.store.base

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = anfang.store.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    """Create the tables."""
    op.create_table(
        "compliance_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_compliance_documents_kind", "compliance_documents", ["kind", "version"], unique=False
    )
    op.create_table(
        "compliance_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("rule_id", sa.String(length=16), nullable=True),
        sa.Column("deadline", _WHEN, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("issued_at", _WHEN, nullable=False),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.Column("closed_at", _WHEN, nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=False),
        sa.Column("overdue_alerted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_compliance_orders_state_deadline",
        "compliance_orders",
        ["state", "deadline"],
        unique=False,
    )
    op.create_table(
        "compliance_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("generated_at", _WHEN, nullable=False),
        sa.Column("generated_by", sa.String(length=64), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sha256"),
    )
    op.create_table(
        "maintenance_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_code", sa.String(length=64), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("event_id", sa.String(length=26), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("assignee", sa.String(length=64), nullable=False),
        sa.Column("opened_at", _WHEN, nullable=False),
        sa.Column("opened_by", sa.String(length=64), nullable=False),
        sa.Column("due_at", _WHEN, nullable=False),
        sa.Column("closed_at", _WHEN, nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("escalations", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_maintenance_orders_device",
        "maintenance_orders",
        ["device_code", "source", "state"],
        unique=False,
    )
    op.create_index(
        "ix_maintenance_orders_state_due", "maintenance_orders", ["state", "due_at"], unique=False
    )
    op.create_table(
        "maintenance_products",
        sa.Column("device_code", sa.String(length=64), nullable=False),
        sa.Column("manufacturer", sa.String(length=100), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("certificate", sa.String(length=100), nullable=False),
        sa.Column("firmware", sa.String(length=100), nullable=False),
        sa.Column("installed_on", sa.String(length=10), nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("device_code"),
    )
    op.create_table(
        "compliance_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("at", _WHEN, nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["compliance_orders.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_compliance_answers_order_id"), "compliance_answers", ["order_id"], unique=False
    )
    op.create_table(
        "compliance_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("design_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("opinion", sa.Text(), nullable=False),
        sa.Column("submitted_at", _WHEN, nullable=False),
        sa.Column("submitted_by", sa.String(length=64), nullable=False),
        sa.Column("decided_at", _WHEN, nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["design_id"],
            ["compliance_documents.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "compliance_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("stage_from", sa.String(length=32), nullable=False),
        sa.Column("stage_to", sa.String(length=32), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("at", _WHEN, nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["compliance_documents.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "compliance_retention",
        sa.Column("record_type", sa.String(length=16), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("record_type"),
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_table("compliance_retention")
    op.drop_table("compliance_steps")
    op.drop_table("compliance_changes")
    op.drop_table("compliance_answers")
    op.drop_table("maintenance_products")
    op.drop_table("maintenance_orders")
    op.drop_table("compliance_reports")
    op.drop_table("compliance_orders")
    op.drop_table("compliance_documents")
