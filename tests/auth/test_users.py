"""Login throttling doubles its lockout and forgets on success."""

from __future__ import annotations

import pytest

from anfang.auth.passwords import hash_password
from anfang.auth.users import LoginThrottled, Throttle


def test_throttle_locks_after_failures_and_forgets_on_success() -> None:
    t = Throttle(max_failures=3, lockout=60)
    for _ in range(2):
        t.failed("user:a", "addr:1")
    t.check("user:a")  # two failures: still allowed
    t.failed("user:a", "addr:1")
    with pytest.raises(LoginThrottled) as info:
        t.check("user:b", "addr:1")  # another user from the same address is locked too
    assert 55 < info.value.retry_after <= 60
    t.failed("user:a")
    with pytest.raises(LoginThrottled) as info:
        t.check("user:a")
    assert info.value.retry_after > 100  # doubled
    t.succeeded("user:a", "addr:1")
    t.check("user:a", "addr:1")


def test_password_hash_is_argon2id() -> None:
    h = hash_password("secret-password")
    assert h.startswith("$argon2id$") and "secret-password" not in h
