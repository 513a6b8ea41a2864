"""SecretBox: round trip, binding to purpose, altered values and wrong keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anfang.core.secretbox import SecretBox, SecretError, load_or_create_key

BOX = SecretBox(b"k" * 32)


@given(st.binary(max_size=512), st.text(max_size=40))
def test_round_trip(data: bytes, purpose: str) -> None:
    assert BOX.open(BOX.seal(data, purpose), purpose) == data


def test_other_purpose_does_not_open() -> None:
    sealed = BOX.seal(b"secret", "alarm_account:1234")
    with pytest.raises(SecretError, match="another purpose"):
        BOX.open(sealed, "alarm_account:9999")


def test_altered_value_is_refused() -> None:
    sealed = bytearray(BOX.seal(b"secret", "p"))
    sealed[-1] ^= 1
    with pytest.raises(SecretError, match="altered"):
        BOX.open(bytes(sealed), "p")


def test_other_key_is_named() -> None:
    with pytest.raises(SecretError, match="another key"):
        SecretBox(b"x" * 32).open(BOX.seal(b"secret", "p"), "p")


@given(st.binary(max_size=64))
def test_garbage_is_refused(data: bytes) -> None:
    with pytest.raises(SecretError):
        BOX.open(data, "p")


def test_key_file_created_once_private(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "secrets.key"
    key = load_or_create_key(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_or_create_key(path) == key
    path.write_bytes(b"short")
    with pytest.raises(ValueError, match="32 bytes"):
        load_or_create_key(path)
