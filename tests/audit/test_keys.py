"""The signing key lives in a private file outside the database."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from anfang.audit import keys


def test_created_once_private_and_reloaded(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "audit.pem"
    key = keys.load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = keys.load_or_create(path)
    assert keys.key_id(again.public_key()) == keys.key_id(key.public_key())
    assert keys.anchor_path(path).name == "audit-anchor.jsonl"


def test_wrong_key_type_is_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    path = tmp_path / "ec.pem"
    path.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(ValueError, match="not an Ed25519"):
        keys.load_or_create(path)
