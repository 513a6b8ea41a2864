"""face: people, templates (sealed), consent, watch lists

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import anfang.store.base

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the face tables."""
    op.create_table(
        "face_people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("consent_given_at", anfang.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("consent_by", sa.String(length=100), nullable=False),
        sa.Column("consent_basis", sa.String(length=100), nullable=False),
        sa.Column("watch_list", sa.String(length=64), nullable=True),
        sa.Column("watch_priority", sa.Integer(), nullable=True),
        sa.Column("watch_note", sa.String(length=200), nullable=False),
        sa.Column("created_at", anfang.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id"),
    )
    with op.batch_alter_table("face_people", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_face_people_resident_id"), ["resident_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_face_people_watch_list"), ["watch_list"], unique=False)
    op.create_table(
        "face_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_pk", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=32), nullable=False),
        sa.Column("descriptor_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("photo_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("quality", sa.JSON(), nullable=False),
        sa.Column("created_at", anfang.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_pk"], ["face_people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("face_templates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_face_templates_person_pk"), ["person_pk"], unique=False
        )
    op.create_table(
        "face_snapshots",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("image_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", anfang.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("face_snapshots", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_face_snapshots_person_id"), ["person_id"], unique=False
        )


def downgrade() -> None:
    """Drop the face tables."""
    with op.batch_alter_table("face_snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_face_snapshots_person_id"))
    op.drop_table("face_snapshots")
    with op.batch_alter_table("face_templates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_face_templates_person_pk"))
    op.drop_table("face_templates")
    with op.batch_alter_table("face_people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_face_people_watch_list"))
        batch_op.drop_index(batch_op.f("ix_face_people_resident_id"))
    op.drop_table("face_people")
