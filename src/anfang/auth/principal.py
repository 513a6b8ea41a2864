"""The authenticated caller."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller."""

    user_id: int
    username: str
    role: str

    @property
    def actor(self) -> str:
        """How this caller is named in the audit log."""
        return f"user:{self.username}"
