"""The key that signs visitor passes (a file outside the database, loaded once) and its
public half, which gates use to check passes offline."""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from anfang.audit import keys
from anfang.core.capabilities import Key
from anfang.subsystems.access.models_passes import VerificationKey
from anfang.subsystems.access.passes import MAX_SKEW, key_id

if TYPE_CHECKING:
    from anfang.kernel import Kernel

KEY_FILE = "visitor-pass-ed25519.pem"


@dataclass(frozen=True, slots=True)
class PassSigner:
    """The pass-signing key (a file outside the database) and its public half."""

    key: Ed25519PrivateKey
    public: Ed25519PublicKey
    kid: bytes

    @classmethod
    def load(cls, path: Path) -> PassSigner:
        """Load the key from ``path``, creating it (mode 0600) on first use (blocking)."""
        key = keys.load_or_create(path)
        return cls(key, key.public_key(), key_id(key.public_key()))

    def verification_key(self) -> VerificationKey:
        """The public key as the API publishes it."""
        raw = self.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        pem = self.public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return VerificationKey(
            key_id=self.kid.hex(),
            public_key=base64.urlsafe_b64encode(raw).rstrip(b"=").decode(),
            public_key_pem=pem.decode(),
            max_clock_skew_s=int(MAX_SKEW.total_seconds()),
        )


PASS_SIGNER: Key[PassSigner] = Key("access.pass_signer")


async def signer(platform: Kernel) -> PassSigner:
    """The platform's pass signer, loaded once (off the event loop)."""
    found = platform.capabilities.get(PASS_SIGNER)
    if found is not None:
        return found
    path = platform.settings.data_dir / "keys" / KEY_FILE
    made = await asyncio.to_thread(PassSigner.load, path)
    # Two first calls may both load the key file (the same key): the first one kept wins.
    found = platform.capabilities.get(PASS_SIGNER)
    if found is not None:
        return found
    platform.capabilities.provide(PASS_SIGNER, made)
    return made
