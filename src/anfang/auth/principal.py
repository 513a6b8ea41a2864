"""The authenticated caller: a person (user) or an integration (service account)."""

from __future__ import annotations

from dataclasses import dataclass

from anfang.auth.rbac import Perm, allowed


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller."""

    user_id: int
    username: str
    role: str
    # A password someone else chose: only changing it (and reading who one is) is allowed.
    must_change_password: bool = False
    # A service account: its name is ``username``, ``user_id`` is 0, and ``scopes``, when
    # set, narrows the role's permissions further.
    service: bool = False
    scopes: frozenset[str] | None = None

    @property
    def actor(self) -> str:
        """How this caller is named in the audit log."""
        return f"service:{self.username}" if self.service else f"user:{self.username}"

    def may(self, perm: Perm) -> bool:
        """Whether this caller holds ``perm`` (its role's grants, within its scopes)."""
        return allowed(self.role, perm) and (self.scopes is None or str(perm) in self.scopes)
