"""SIP digest authentication of REGISTER (RFC 3261 §22) with the device's secret.

Nonces are stateless: a timestamp and its HMAC under a key of this process, good for five
minutes, so nothing is stored per device and a restart only costs one more challenge.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time

from prometheus_client import Counter

from anfang.wire import digest
from anfang.wire.sip import SipRequest

log = logging.getLogger(__name__)
AUTH_FAILURES = Counter(
    "anfang_intercom_sip_auth_failures_total", "SIP registrations refused", ["reason"]
)
NONCE_TTL_S = 300


class DigestGuard:
    """Issues digest challenges and checks the answers."""

    def __init__(self, realm: str) -> None:
        self.realm = realm
        self._key = secrets.token_bytes(32)

    def _sign(self, stamp: str) -> str:
        return hmac.new(self._key, stamp.encode(), hashlib.sha256).hexdigest()[:24]

    def challenge(self) -> str:
        """A ``WWW-Authenticate`` value with a fresh nonce."""
        stamp = f"{int(time.time()):x}"
        nonce = f"{stamp}.{self._sign(stamp)}"
        return f'Digest realm="{self.realm}", nonce="{nonce}", algorithm=MD5, qop="auth"'

    def _fresh(self, nonce: str) -> bool:
        stamp, _, mac = nonce.partition(".")
        try:
            age = time.time() - int(stamp, 16)
        except ValueError:
            return False
        return hmac.compare_digest(mac, self._sign(stamp)) and -5 <= age <= NONCE_TTL_S

    def check(self, req: SipRequest, username: str, secret: str) -> str | None:
        """None when ``req`` carries a right answer for ``username``; else why not
        (``missing`` asks for a challenge, the rest are refusals)."""
        header = req.header("authorization")
        if header is None:
            return "missing"
        try:
            p = digest.parse_digest(header)
        except digest.DigestError:
            return self._fail("malformed", username)
        if p.get("username") != username or p.get("realm") != self.realm:
            return self._fail("wrong_user", username)
        if p.get("algorithm", "MD5").upper() != "MD5":
            return self._fail("algorithm", username)
        if not self._fresh(p.get("nonce", "")):
            return "missing"  # stale: challenge again
        want = digest.digest_response(
            username,
            self.realm,
            secret,
            req.method,
            p.get("uri", ""),
            p.get("nonce", ""),
            qop=p.get("qop"),
            nc=p.get("nc", ""),
            cnonce=p.get("cnonce", ""),
        )
        if not hmac.compare_digest(want, p.get("response", "")):
            return self._fail("wrong_secret", username)
        return None

    def _fail(self, reason: str, username: str) -> str:
        AUTH_FAILURES.labels(reason).inc()
        log.warning("intercom: REGISTER of %r refused (%s)", username, reason)
        return reason
