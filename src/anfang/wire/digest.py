"""HTTP digest authentication (RFC 2617, MD5, with or without ``qop=auth``), pure: read an
``Authorization``/``WWW-Authenticate`` value, compute a response, answer a challenge. SIP
uses it (RFC 3261 §22: the intercom's door stations, GB/T 28181 registration) and so does
GA/T 1400 over HTTP, in both directions."""

from __future__ import annotations

import hashlib
import re
import secrets


class DigestError(ValueError):
    """A digest header that cannot be read."""


_DIGEST_PARAM = re.compile(r'\s*([A-Za-z-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)\s*(?:,|$)')


def parse_digest(value: str) -> dict[str, str]:
    """The parameters of a ``Digest …`` Authorization header; :class:`DigestError` else."""
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() != "digest":
        raise DigestError(f"authorization scheme {scheme[:20]!r} is not Digest")
    out: dict[str, str] = {}
    pos = 0
    rest = rest.strip()
    while pos < len(rest):
        m = _DIGEST_PARAM.match(rest, pos)
        if not m or m.end() == pos:
            raise DigestError("malformed Digest parameters")
        v = m.group(2)
        out[m.group(1).lower()] = v[1:-1].replace('\\"', '"') if v.startswith('"') else v
        pos = m.end()
    return out


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def digest_response(
    username: str,
    realm: str,
    password: str,
    method: str,
    uri: str,
    nonce: str,
    *,
    qop: str | None = None,
    nc: str = "",
    cnonce: str = "",
) -> str:
    """The ``response`` value of a digest answer (with or without ``qop=auth``)."""
    ha1 = _md5(f"{username}:{realm}:{password}")
    ha2 = _md5(f"{method}:{uri}")
    if qop == "auth":
        return _md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
    return _md5(f"{ha1}:{nonce}:{ha2}")


def digest_authorization(
    challenge: str, username: str, password: str, method: str, uri: str
) -> str:
    """An Authorization header answering a ``WWW-Authenticate: Digest …`` challenge."""
    p = parse_digest(challenge)
    realm, nonce = p.get("realm", ""), p.get("nonce", "")
    qop = "auth" if "auth" in p.get("qop", "").split(",") else None
    nc, cnonce = "00000001", secrets.token_hex(8)
    resp = digest_response(
        username, realm, password, method, uri, nonce, qop=qop, nc=nc, cnonce=cnonce
    )
    out = f'Digest username="{username}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
    out += f'response="{resp}", algorithm=MD5'
    if qop:
        out += f', qop=auth, nc={nc}, cnonce="{cnonce}"'
    return out
