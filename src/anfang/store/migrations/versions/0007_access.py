"""access control: doors, readers, credentials, rules, passback

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision (reserved: nothing yet)."""


def downgrade() -> None:
    """Revert this revision."""
