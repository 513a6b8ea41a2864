"""Password rules and hashing."""

from __future__ import annotations

import pytest

from anfang.auth.passwords import WeakPassword, check_new, hash_password, verify


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short", "shorter than 10"),
        ("x" * 257, "longer than 256"),
        ("Operator-1", "equal to the user name"),
        ("aaaaabbbbb", "fewer than 4 different"),
    ],
)
def test_refused(password: str, why: str) -> None:
    with pytest.raises(WeakPassword, match=why) as info:
        check_new(password, "operator-1")
    assert info.value.status == 422


def test_hash_and_verify() -> None:
    check_new("a-good-password", "li")
    h = hash_password("a-good-password")
    assert verify(h, "a-good-password") and not verify(h, "another-one")
    assert not verify("not a hash", "a-good-password")
