"""face: people, templates (sealed), consent, watch lists

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision (reserved: nothing yet)."""


def downgrade() -> None:
    """Revert this revision."""
