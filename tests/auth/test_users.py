"""Password hashing."""

from __future__ import annotations

from anfang.auth.passwords import hash_password


def test_password_hash_is_argon2id() -> None:
    h = hash_password("secret-password")
    assert h.startswith("$argon2id$") and "secret-password" not in h
