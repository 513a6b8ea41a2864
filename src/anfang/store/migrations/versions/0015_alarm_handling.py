"""alarm handling: who holds an alarm, whom it was dispatched to, its disposition and cause,
coded transitions; indexes for the queue, the history and the event log by time

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import anfang.store.base

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = anfang.store.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    """Add the columns and indexes; fill in what older closed alarms already tell."""
    with op.batch_alter_table("alarm_transitions") as b:
        b.add_column(sa.Column("code", sa.String(length=32), server_default="", nullable=False))
        b.add_column(sa.Column("data", sa.JSON(), nullable=True))
    with op.batch_alter_table("alarms") as b:
        b.add_column(sa.Column("assignee", sa.String(length=64), nullable=True))
        b.add_column(
            sa.Column("dispatched_to", sa.String(length=200), server_default="", nullable=False)
        )
        b.add_column(sa.Column("acked_at", _WHEN, nullable=True))
        b.add_column(sa.Column("closed_at", _WHEN, nullable=True))
        b.add_column(sa.Column("disposition", sa.String(length=16), nullable=True))
        b.add_column(sa.Column("cause", sa.String(length=32), nullable=True))
        b.drop_index("ix_alarms_state")
        b.create_index("ix_alarms_created_at", ["created_at"], unique=False)
        b.create_index("ix_alarms_state_id", ["state", "id"], unique=False)
    op.create_index("ix_events_occurred_at", "events", ["occurred_at"], unique=False)
    op.execute(
        "UPDATE alarms SET closed_at = updated_at, disposition = CASE state "
        "WHEN 'false_alarm' THEN 'false' ELSE 'real' END "
        "WHERE state IN ('resolved', 'false_alarm')"
    )
    op.execute("UPDATE alarms SET cause = 'unknown' WHERE state = 'false_alarm'")
    op.execute(
        "UPDATE alarms SET acked_at = (SELECT min(t.at) FROM alarm_transitions t "
        "WHERE t.alarm_id = alarms.id AND t.to_state = 'acknowledged') WHERE state <> 'new'"
    )
    op.execute("UPDATE alarm_transitions SET code = 'raised' WHERE from_state IS NULL")
    op.execute(
        "UPDATE alarm_transitions SET code = 'escalated' "
        "WHERE from_state = 'new' AND to_state = 'new' AND actor = 'system'"
    )


def downgrade() -> None:
    """Drop them again."""
    op.drop_index("ix_events_occurred_at", table_name="events")
    with op.batch_alter_table("alarms") as b:
        b.drop_index("ix_alarms_state_id")
        b.drop_index("ix_alarms_created_at")
        b.create_index("ix_alarms_state", ["state"], unique=False)
        for col in ("cause", "disposition", "closed_at", "acked_at", "dispatched_to", "assignee"):
            b.drop_column(col)
    with op.batch_alter_table("alarm_transitions") as b:
        b.drop_column("data")
        b.drop_column("code")
