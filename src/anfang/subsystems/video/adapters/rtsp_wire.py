"""RTSP 1.0 on the wire, without I/O: requests, responses, auth, SDP, interleaved frames.

The pure core of the recorder's RTSP client (``video/adapters/rtsp_client.py``): bytes in, typed
messages out. Only what a recorder needs of RFC 2326 / RFC 4566 / RFC 2617 is here:
DESCRIBE → SETUP (RTP over the RTSP connection, "interleaved") → PLAY, keep-alives and
TEARDOWN; Basic and Digest (MD5) authentication; the SDP of the video track.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

MAX_HEADER = 64 * 1024  # an RTSP head larger than this is not a camera talking
MAX_BODY = 256 * 1024  # SDP bodies are a few hundred bytes


class RtspProtocolError(Exception):
    """The peer sent something that is not RTSP (or not the RTSP this client understands)."""


@dataclass(frozen=True, slots=True)
class Response:
    """An RTSP response: status, headers (names lower-cased) and body."""

    status: int
    reason: str
    headers: dict[str, str]
    body: bytes = b""

    @property
    def cseq(self) -> int:
        """The CSeq it answers (-1 when missing or not a number)."""
        value = self.headers.get("cseq", "")
        return int(value) if value.strip().isdigit() else -1


def build_request(method: str, url: str, cseq: int, headers: dict[str, str] | None = None) -> bytes:
    """One RTSP request; header values must not contain CR or LF."""
    lines = [f"{method} {url} RTSP/1.0", f"CSeq: {cseq}", "User-Agent: anfang"]
    for name, value in (headers or {}).items():
        if "\r" in value or "\n" in value:
            raise ValueError(f"header {name} holds a line break")
        lines.append(f"{name}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")


def parse_head(head: bytes) -> tuple[int, str, dict[str, str], int]:
    """Status, reason, headers and Content-Length of a response head (without CRLFCRLF)."""
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RtspProtocolError("response head is not text") from exc
    first, _, rest = text.partition("\r\n")
    parts = first.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("RTSP/") or not parts[1].isdigit():
        raise RtspProtocolError(f"not an RTSP response: {first[:60]!r}")
    headers: dict[str, str] = {}
    for line in rest.split("\r\n"):
        name, sep, value = line.partition(":")
        if sep:
            key = name.strip().lower()
            # Repeated headers (several WWW-Authenticate challenges) are kept, one a line.
            headers[key] = headers[key] + "\n" + value.strip() if key in headers else value.strip()
    length_text = headers.get("content-length", "0")
    if not length_text.isdigit() or int(length_text) > MAX_BODY:
        raise RtspProtocolError(f"bad Content-Length {length_text[:20]!r}")
    return int(parts[1]), parts[2] if len(parts) > 2 else "", headers, int(length_text)


# ----------------------------------------------------------------- authentication


@dataclass(frozen=True, slots=True)
class Challenge:
    """A ``WWW-Authenticate`` challenge: scheme and its parameters."""

    scheme: str  # "basic" | "digest"
    params: dict[str, str]


_PARAM = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


def parse_challenges(header: str) -> list[Challenge]:
    """The challenges of a ``WWW-Authenticate`` header (one a line), Digest first."""
    out: list[Challenge] = []
    for value in header.split("\n"):
        scheme, _, rest = value.strip().partition(" ")
        if scheme.lower() not in ("basic", "digest"):
            continue
        params = {m[1].lower(): m[2] if m[2] else m[3] for m in _PARAM.finditer(rest)}
        out.append(Challenge(scheme.lower(), params))
    return sorted(out, key=lambda c: c.scheme != "digest")


@dataclass
class Credentials:
    """User and password, and the challenge they answer (nonce count kept for Digest)."""

    username: str
    password: str
    challenge: Challenge | None = None
    nc: int = 0
    cnonce: str | None = None  # fixed only in tests; otherwise fresh for every request

    def header(self, method: str, uri: str) -> str | None:
        """The ``Authorization`` value for a request, or None before any challenge."""
        ch = self.challenge
        if ch is None:
            return None
        if ch.scheme == "basic":
            token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
            return f"Basic {token}"
        realm, nonce = ch.params.get("realm", ""), ch.params.get("nonce", "")
        algorithm = ch.params.get("algorithm", "MD5")
        if algorithm.upper() != "MD5":
            raise RtspProtocolError(f"Digest algorithm {algorithm} is not supported")
        ha1 = _md5(f"{self.username}:{realm}:{self.password}")
        ha2 = _md5(f"{method}:{uri}")
        parts = [
            f'username="{self.username}"',
            f'realm="{realm}"',
            f'nonce="{nonce}"',
            f'uri="{uri}"',
        ]
        qops = [q.strip() for q in ch.params.get("qop", "").split(",") if q.strip()]
        if "auth" in qops:
            self.nc += 1
            nc, cnonce = f"{self.nc:08x}", self.cnonce or secrets.token_hex(8)
            digest = _md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
            parts += ["qop=auth", f"nc={nc}", f'cnonce="{cnonce}"']
        else:
            digest = _md5(f"{ha1}:{nonce}:{ha2}")
        parts.append(f'response="{digest}"')
        if "opaque" in ch.params:
            parts.append(f'opaque="{ch.params["opaque"]}"')
        return "Digest " + ", ".join(parts)


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


# ----------------------------------------------------------------- SDP

# Static RTP payload types (RFC 3551) that a camera may announce without an rtpmap line.
_STATIC = {26: "JPEG", 32: "MPV", 33: "MP2T", 34: "H263"}
_CODECS = {"H264": "h264", "H265": "hevc", "JPEG": "mjpeg", "MP4V-ES": "mpeg4"}


@dataclass
class Media:
    """One ``m=`` section of an SDP: what it carries and where to SETUP it."""

    kind: str  # video | audio | application
    payload_type: int
    encoding: str = ""  # as in rtpmap, upper case (H264, H265, JPEG…)
    clock_rate: int = 90000
    control: str = ""
    fmtp: dict[str, str] = field(default_factory=dict)

    @property
    def codec(self) -> str:
        """The codec's FFmpeg-style name (h264, hevc, mjpeg…, else the encoding lower-cased)."""
        return _CODECS.get(self.encoding, self.encoding.lower() or f"pt{self.payload_type}")

    def parameter_sets(self) -> list[bytes]:
        """The parameter-set NAL units announced in fmtp (sprop-*), in decoding order."""
        keys = ("sprop-vps", "sprop-sps", "sprop-pps", "sprop-parameter-sets")
        out: list[bytes] = []
        for key in keys:
            for item in self.fmtp.get(key, "").split(","):
                if item.strip():
                    try:
                        out.append(base64.b64decode(item.strip() + "==="[: -len(item) % 4]))
                    except ValueError:
                        continue  # a broken sprop is ignored; in-band sets still work
        return out


def parse_sdp(text: str, base_url: str) -> list[Media]:
    """The media of a session description; controls resolved against ``base_url``."""
    media: list[Media] = []
    session_control = ""
    for raw in text.splitlines():
        line = raw.strip()
        if len(line) < 2 or line[1] != "=":
            continue
        key, value = line[0], line[2:]
        if key == "m":
            parts = value.split()
            if len(parts) < 4:
                raise RtspProtocolError(f"bad SDP media line {value[:60]!r}")
            try:
                pt = int(parts[3])
            except ValueError as exc:
                raise RtspProtocolError(f"bad SDP payload type {parts[3][:10]!r}") from exc
            media.append(Media(parts[0], pt, _STATIC.get(pt, "")))
        elif key == "a":
            name, _, arg = value.partition(":")
            target = media[-1] if media else None
            if name == "control":
                if target is None:
                    session_control = arg.strip()
                else:
                    target.control = arg.strip()
            elif target is not None and name == "rtpmap":
                _rtpmap(target, arg)
            elif target is not None and name == "fmtp":
                _, _, params = arg.partition(" ")
                for item in params.split(";"):
                    k, sep, v = item.strip().partition("=")
                    if sep:
                        target.fmtp[k.strip().lower()] = v.strip()
    base = _control_base(base_url, session_control)
    for m in media:
        m.control = _resolve(base, m.control)
    return media


def _rtpmap(target: Media, arg: str) -> None:
    pt, _, enc = arg.strip().partition(" ")
    if pt.strip() != str(target.payload_type):
        return
    name, _, rate = enc.partition("/")
    target.encoding = name.strip().upper()
    rate = rate.partition("/")[0]
    if rate.isdigit() and int(rate) > 0:
        target.clock_rate = int(rate)


def _control_base(url: str, session_control: str) -> str:
    if session_control and session_control != "*":
        return _resolve(url, session_control)
    return url


def _resolve(base: str, control: str) -> str:
    if not control or control == "*":
        return base
    if urlsplit(control).scheme:
        return control
    # RTSP bases name a "directory" even without a trailing slash (RFC 2326 C.1.1).
    return urljoin(base if base.endswith("/") else base + "/", control)


def session_of(header: str) -> tuple[str, float | None]:
    """Session id and timeout (seconds) of a ``Session`` header."""
    sid, _, rest = header.partition(";")
    timeout: float | None = None
    for item in rest.split(";"):
        k, _, v = item.strip().partition("=")
        if k.lower() == "timeout" and v.isdigit() and int(v) > 0:
            timeout = float(v)
    return sid.strip(), timeout


def interleaved_channels(transport: str) -> tuple[int, int] | None:
    """The ``interleaved=a-b`` channels of a ``Transport`` header, if any."""
    m = re.search(r"interleaved=(\d+)(?:-(\d+))?", transport)
    if m is None:
        return None
    first = int(m[1])
    return first, int(m[2]) if m[2] is not None else first + 1
