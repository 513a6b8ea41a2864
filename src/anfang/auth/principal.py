"""The authenticated caller."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller."""

    user_id: int
    username: str
    role: str
    # A password someone else chose: only changing it (and reading who one is) is allowed.
    must_change_password: bool = False

    @property
    def actor(self) -> str:
        """How this caller is named in the audit log."""
        return f"user:{self.username}"
