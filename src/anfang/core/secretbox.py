"""Secrets at rest (panel keys, camera passwords, face templates): AES-256-GCM with a key
kept in a file outside the database.

A stolen database alone gives none of them. Every sealed value is bound to what it
belongs to through the associated data (``purpose``, e.g. ``"alarm_account:1234"``), so a
value copied into another row does not open there. Format: ``version(1) | key id(4) |
nonce(12) | ciphertext+tag``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_VERSION = 1
_HEADER = 1 + 4 + 12


class SecretError(ValueError):
    """A sealed value that does not open: wrong key, wrong purpose, or altered."""


def load_or_create_key(path: Path) -> bytes:
    """Read the 32-byte key, creating it (mode 0600) on first use."""
    if path.exists():
        raw = path.read_bytes()
        if len(raw) != 32:
            raise ValueError(f"{path}: a secrets key is 32 bytes, this file has {len(raw)}")
        return raw
    path.parent.mkdir(parents=True, exist_ok=True)
    key = AESGCM.generate_key(bit_length=256)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key)
        f.flush()
        os.fsync(f.fileno())
    return key


class SecretBox:
    """Seal and open small secrets with one AES-256-GCM key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("a SecretBox key is 32 bytes")
        self._aead = AESGCM(key)
        self.key_id = hashlib.sha256(key).digest()[:4]

    @classmethod
    def from_file(cls, path: Path) -> SecretBox:
        """The box whose key lives in ``path`` (created on first use)."""
        return cls(load_or_create_key(path))

    def seal(self, plaintext: bytes, purpose: str) -> bytes:
        """Encrypt ``plaintext`` for ``purpose``."""
        nonce = os.urandom(12)
        body = self._aead.encrypt(nonce, plaintext, purpose.encode())
        return bytes([_VERSION]) + self.key_id + nonce + body

    def open(self, sealed: bytes, purpose: str) -> bytes:
        """Decrypt what :meth:`seal` made for the same ``purpose``; :class:`SecretError` else."""
        if len(sealed) < _HEADER + 16 or sealed[0] != _VERSION:
            raise SecretError("not a sealed value")
        if sealed[1:5] != self.key_id:
            raise SecretError("sealed with another key (wrong secrets key file?)")
        try:
            return self._aead.decrypt(sealed[5:17], sealed[_HEADER:], purpose.encode())
        except InvalidTag:
            raise SecretError("sealed value altered or sealed for another purpose") from None
