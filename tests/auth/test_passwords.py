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
        # Issue 14 item 8: these were accepted.
        ("1234567890", "too easy to guess"),
        ("abcdabcdabcd", "too easy to guess"),
        ("password123", "too easy to guess"),
        ("qwertyuiop", "too easy to guess"),
        ("1qaz2wsx3edc", "too easy to guess"),
        ("woaini5201314", "too easy to guess"),
        ("operator-1-2026", "too easy to guess"),  # the user name plus a year
        ("anfang@2026", "too easy to guess"),
    ],
)
def test_refused(password: str, why: str) -> None:
    with pytest.raises(WeakPassword, match=why) as info:
        check_new(password, "operator-1")
    assert info.value.status == 422


@pytest.mark.parametrize(
    "password",
    [
        "a-good-password",
        "锦绣花园3号楼值班室",
        "tR7#vq-Lm2-xW",
        "the duty desk of block seven keeps its own long passphrase " * 4,
    ],
)
def test_accepted(password: str) -> None:
    check_new(password, "li")


def test_hash_and_verify() -> None:
    check_new("a-good-password", "li")
    h = hash_password("a-good-password")
    assert verify(h, "a-good-password") and not verify(h, "another-one")
    assert not verify("not a hash", "a-good-password")
