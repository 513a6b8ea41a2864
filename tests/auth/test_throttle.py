"""Login throttling: addresses lock out, doubling; a user's lockout never locks the user
out of their own console host or of an address they logged in from."""

from __future__ import annotations

import pytest

from anfang.auth.throttle import LoginThrottled, Throttle


def test_an_address_locks_after_failures_doubling_and_forgets_on_success() -> None:
    t = Throttle(max_failures=3, lockout=60)
    for _ in range(2):
        t.failed("a", "10.0.0.1")
    t.check("a", "10.0.0.1")  # two failures: still allowed
    t.failed("a", "10.0.0.1")
    with pytest.raises(LoginThrottled) as info:
        t.check("b", "10.0.0.1")  # another user from the same address is locked too
    assert 55 < info.value.retry_after <= 60
    t.failed("a", "10.0.0.1")
    with pytest.raises(LoginThrottled) as info:
        t.check("b", "10.0.0.1")
    assert info.value.retry_after > 100  # doubled
    t.succeeded("a", "10.0.0.1")
    t.check("b", "10.0.0.1")


def test_an_attacker_cannot_lock_the_admin_out() -> None:
    """Issue 14 item 7: anyone could lock any user, the admin included."""
    t = Throttle(max_failures=3, lockout=60, user_lock_cap=300)
    t.succeeded("admin", "10.0.0.5")  # the duty desk the admin works at
    for i in range(50):  # guesses from many addresses
        t.failed("admin", f"203.0.113.{i}")
    with pytest.raises(LoginThrottled) as info:
        t.check("admin", "198.51.100.7")  # a new place waits (capped)
    assert info.value.retry_after <= 300
    t.check("admin", "127.0.0.1")  # the console host itself
    t.check("admin", "::1")
    t.check("admin", "10.0.0.5")  # where the admin logged in before
    t.check("operator", "198.51.100.7")  # other users are untouched


def test_trust_expires_and_memory_is_bounded() -> None:
    t = Throttle(max_failures=1, lockout=60, remember=-1, max_entries=10)
    t.succeeded("admin", "10.0.0.5")
    assert not t.trusted("admin", "10.0.0.5")
    for i in range(100):
        t.failed(f"user{i}", f"10.1.0.{i}")
    assert len(t._addr) <= 11 and len(t._user) <= 11
