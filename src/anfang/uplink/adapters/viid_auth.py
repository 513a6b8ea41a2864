"""Digest authentication of a GA/T 1400 peer calling anfang (the view library subscribing),
pure: a challenge with a nonce anfang can check without keeping it (time + HMAC), and the
check of the answer (RFC 2617 MD5, ``qop=auth``), using the digest of :mod:`anfang.wire.sip`."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

from anfang.wire import digest

NONCE_TTL_S = 300


class DigestServer:
    """Challenges and checks; ``key`` signs the nonces."""

    def __init__(self, realm: str, key: bytes) -> None:
        self.realm = realm
        self.key = key

    def _sign(self, stamp: str) -> str:
        return hmac.new(self.key, stamp.encode(), hashlib.sha256).hexdigest()[:32]

    def challenge(self, now: float) -> str:
        """A ``WWW-Authenticate`` value."""
        stamp = str(int(now))
        return (
            f'Digest realm="{self.realm}", nonce="{stamp}:{self._sign(stamp)}", '
            'qop="auth", algorithm=MD5'
        )

    def check(
        self, header: str, method: str, password_of: Callable[[str], str | None], now: float
    ) -> str | None:
        """The user an ``Authorization`` header proves, or None (bad, stale or unknown)."""
        try:
            p = digest.parse_digest(header)
        except digest.DigestError:
            return None
        stamp, _, mac = p.get("nonce", "").partition(":")
        if not stamp.isdigit() or not hmac.compare_digest(mac, self._sign(stamp)):
            return None
        if not 0 <= now - int(stamp) <= NONCE_TTL_S or p.get("realm") != self.realm:
            return None
        user = p.get("username", "")
        password = password_of(user)
        if password is None:
            return None
        want = digest.digest_response(
            user,
            self.realm,
            password,
            method,
            p.get("uri", ""),
            p.get("nonce", ""),
            qop=p.get("qop"),
            nc=p.get("nc", ""),
            cnonce=p.get("cnonce", ""),
        )
        return user if hmac.compare_digest(want, p.get("response", "")) else None
