"""Password hashing (argon2id) and the rules a new password must meet."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from anfang.core.errors import DomainError

_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters
DUMMY_HASH = _HASHER.hash("timing-equaliser")
MIN_LENGTH = 10
MAX_LENGTH = 256


class WeakPassword(DomainError):
    """A new password that breaks the rules; the message says which."""

    status = 422


def check_new(password: str, username: str) -> None:
    """Raise :class:`WeakPassword` unless ``password`` may be set for ``username``."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"password shorter than {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"password longer than {MAX_LENGTH} characters")
    if password.strip().lower() == username.strip().lower():
        raise WeakPassword("password equal to the user name")
    if len(set(password)) < 4:
        raise WeakPassword("password of fewer than 4 different characters")


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _HASHER.hash(password)


def verify(pw_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``pw_hash`` (``False`` for a malformed hash)."""
    try:
        return _HASHER.verify(pw_hash, password)
    except (VerificationError, InvalidHashError):
        return False
