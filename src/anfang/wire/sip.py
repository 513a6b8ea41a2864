"""SIP (RFC 3261) messages, pure: parse datagrams into typed requests and responses, build
requests and replies, cut a TCP byte stream into messages. No I/O; the transports are
``sip_udp`` and ``sip_tcp``.

Strict where it matters for a door station link: CRLF line ends, the mandatory headers,
a CSeq whose method matches, a Content-Length that fits. Every refusal is a
:class:`SipError` carrying the status to answer with.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

MAX_DATAGRAM = 65_507
MAX_HEADERS = 64
METHODS = frozenset(
    {"INVITE", "ACK", "BYE", "CANCEL", "REGISTER", "OPTIONS", "MESSAGE", "INFO", "NOTIFY"}
)
REASONS = {
    100: "Trying",
    180: "Ringing",
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    413: "Request Entity Too Large",
    415: "Unsupported Media Type",
    480: "Temporarily Unavailable",
    481: "Call/Transaction Does Not Exist",
    486: "Busy Here",
    487: "Request Terminated",
    500: "Server Internal Error",
    501: "Not Implemented",
    505: "Version Not Supported",
    603: "Decline",
}
# RFC 3261 §7.3.3 compact forms.
_COMPACT = {
    "i": "call-id",
    "f": "from",
    "t": "to",
    "v": "via",
    "m": "contact",
    "l": "content-length",
    "c": "content-type",
}
_TOKEN = re.compile(r"^[A-Za-z0-9.!%*_+`'~-]+$")
_STATUS_LINE = re.compile(r"^SIP/2\.0 ([1-6][0-9]{2}) ([^\r\n]*)$")
_URI = re.compile(r"^sips?:(?:([^@;?\s]+)@)?([^;?\s>]+)(.*)$")
_NAME_ADDR = re.compile(r'^\s*(?:"((?:[^"\\]|\\.)*)"\s*|([^<"]*?)\s*)?<([^>]+)>(.*)$')


class SipError(ValueError):
    """A message refused; ``status`` is what to answer (when it can be answered)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class _Message:
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (any case, compact forms known), or None."""
        key = name.lower()
        for k, v in self.headers:
            if k == key:
                return v
        return None

    def header_all(self, name: str) -> list[str]:
        """Every value of header ``name``, in order."""
        key = name.lower()
        return [v for k, v in self.headers if k == key]

    @property
    def call_id(self) -> str:
        """The Call-ID."""
        return self.header("call-id") or ""

    @property
    def cseq(self) -> tuple[int, str]:
        """(number, method) of the CSeq."""
        num, _, method = (self.header("cseq") or "").partition(" ")
        return int(num), method.strip()

    @property
    def from_tag(self) -> str | None:
        """The tag of the From header."""
        return param(self.header("from") or "", "tag")

    @property
    def to_tag(self) -> str | None:
        """The tag of the To header."""
        return param(self.header("to") or "", "tag")

    @property
    def branch(self) -> str | None:
        """The branch of the topmost Via."""
        return param(self.header("via") or "", "branch")


@dataclass(frozen=True, slots=True)
class SipRequest(_Message):
    """A SIP request."""

    method: str = ""
    uri: str = ""


@dataclass(frozen=True, slots=True)
class SipResponse(_Message):
    """A SIP response."""

    status: int = 0
    reason: str = ""


@dataclass(frozen=True, slots=True)
class NameAddr:
    """A From/To/Contact value: display name, URI and the parameters after ``>``."""

    display: str
    uri: str
    params: dict[str, str] = field(default_factory=dict)


def param(value: str, name: str) -> str | None:
    """A ``;name=value`` parameter of a header value (after any ``<…>``), or None."""
    tail = value.rsplit(">", 1)[-1] if ">" in value else value
    for part in tail.split(";")[1:]:
        k, _, v = part.strip().partition("=")
        if k.lower() == name:
            return v
    return None


def parse_name_addr(value: str) -> NameAddr:
    """Parse ``"Name" <sip:user@host>;tag=x`` (or a bare URI); :class:`SipError` else."""
    m = _NAME_ADDR.match(value)
    if m:
        display = m.group(1) if m.group(1) is not None else (m.group(2) or "")
        uri, rest = m.group(3), m.group(4)
    else:
        uri, _, rest = value.strip().partition(";")
        rest = ";" + rest if rest else ""
    if not _URI.match(uri):
        raise SipError(f"not a SIP URI: {uri[:60]!r}")
    params = {}
    for part in rest.split(";")[1:]:
        k, _, v = part.strip().partition("=")
        if k:
            params[k.lower()] = v
    return NameAddr(display, uri, params)


def uri_user(uri: str) -> str | None:
    """The user part of a SIP URI (``301`` of ``sip:301@anfang``), or None."""
    m = _URI.match(uri.strip())
    return m.group(1) if m else None


def uri_hostport(uri: str) -> tuple[str, int]:
    """(host, port) of a SIP URI; port 5060 when absent."""
    m = _URI.match(uri.strip())
    if not m:
        raise SipError(f"not a SIP URI: {uri[:60]!r}")
    host, _, port = m.group(2).rpartition(":") if ":" in m.group(2) else (m.group(2), "", "")
    try:
        return host, int(port) if port else 5060
    except ValueError:
        raise SipError(f"bad port in {uri[:60]!r}") from None


def new_tag() -> str:
    """A fresh From/To tag."""
    return secrets.token_hex(6)


def new_branch() -> str:
    """A fresh Via branch (with RFC 3261's magic cookie)."""
    return "z9hG4bK" + secrets.token_hex(8)


def parse(data: bytes) -> SipRequest | SipResponse:
    """Parse one datagram; raises :class:`SipError` naming the problem."""
    if len(data) > MAX_DATAGRAM:
        raise SipError(f"message of {len(data)} bytes is too large", 413)
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        raise SipError("no blank line (CRLF CRLF) after the headers")
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        raise SipError("headers are not UTF-8") from None
    lines = text.split("\r\n")
    if any("\n" in line or "\r" in line for line in lines):
        raise SipError("bare CR or LF in the headers (lines end with CRLF)")
    start, raw_headers = lines[0], lines[1:]
    headers = _parse_headers(raw_headers)
    body = _body(headers, body)
    if start.startswith("SIP/"):
        m = _STATUS_LINE.match(start)
        if not m:
            raise SipError(f"bad status line {start[:60]!r}")
        resp = SipResponse(tuple(headers), body, int(m.group(1)), m.group(2))
        _check_common(resp)
        return resp
    parts = start.split(" ")
    if len(parts) != 3:
        raise SipError(f"bad request line {start[:60]!r}")
    method, uri, version = parts
    if version != "SIP/2.0":
        raise SipError(f"version {version[:20]!r} is not SIP/2.0", 505)
    if not _TOKEN.match(method) or method.upper() != method:
        raise SipError(f"bad method {method[:20]!r}")
    if not _URI.match(uri):
        raise SipError(f"bad request URI {uri[:60]!r}")
    req = SipRequest(tuple(headers), body, method, uri)
    _check_common(req)
    if req.cseq[1] != method:
        raise SipError(f"CSeq method {req.cseq[1]!r} does not match {method}")
    return req  # a method outside METHODS parses; the transport answers it 501


def _parse_headers(lines: list[str]) -> list[tuple[str, str]]:
    headers: list[tuple[str, str]] = []
    for line in lines:
        if line[:1] in (" ", "\t"):  # folded continuation (RFC 3261 §7.3.1)
            if not headers:
                raise SipError("continuation line before any header")
            k, v = headers[-1]
            headers[-1] = (k, f"{v} {line.strip()}".strip())
            continue
        name, colon, value = line.partition(":")
        name = name.strip()
        if not colon or not _TOKEN.match(name):
            raise SipError(f"bad header line {line[:60]!r}")
        key = name.lower()
        headers.append((_COMPACT.get(key, key), value.strip()))
        if len(headers) > MAX_HEADERS:
            raise SipError(f"more than {MAX_HEADERS} headers")
    return headers


def _body(headers: list[tuple[str, str]], body: bytes) -> bytes:
    length = next((v for k, v in headers if k == "content-length"), None)
    if length is None:
        return body  # allowed over UDP: the datagram ends the body
    if not length.isdigit():
        raise SipError(f"bad Content-Length {length[:20]!r}")
    n = int(length)
    if n > len(body):
        raise SipError(f"Content-Length {n} but only {len(body)} bytes of body")
    return body[:n]


def _check_common(msg: _Message) -> None:
    for name in ("via", "from", "to", "call-id", "cseq"):
        if not msg.header(name):
            raise SipError(f"missing {name} header")
    num, _, method = (msg.header("cseq") or "").partition(" ")
    if not num.isdigit() or len(num) > 10 or not _TOKEN.match(method.strip() or "-"):
        raise SipError(f"bad CSeq {msg.header('cseq')!r}")
    if len(msg.call_id) > 200:
        raise SipError("Call-ID longer than 200 characters")
    for name in ("from", "to"):
        parse_name_addr(msg.header(name) or "")


def _serialize(start: str, headers: list[tuple[str, str]], body: bytes) -> bytes:
    lines = [start]
    for k, v in headers:
        if "\r" in v or "\n" in v:
            raise ValueError(f"header {k} contains a line break")
        if k.lower() != "content-length":
            lines.append(f"{k}: {v}")
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def build_request(
    method: str, uri: str, headers: list[tuple[str, str]], body: bytes = b""
) -> bytes:
    """A request; ``headers`` must hold Via, From, To, Call-ID and CSeq (Content-Length added)."""
    return _serialize(f"{method} {uri} SIP/2.0", [("Max-Forwards", "70"), *headers], body)


def build_response(
    req: SipRequest,
    status: int,
    *,
    reason: str | None = None,
    to_tag: str | None = None,
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
) -> bytes:
    """The response to ``req``: its Vias, From, Call-ID and CSeq, To with ``to_tag`` added."""
    to = req.header("to") or ""
    if to_tag and req.to_tag is None and status != 100:
        to = f"{to};tag={to_tag}"
    out = [("Via", v) for v in req.header_all("via")]
    out += [
        ("From", req.header("from") or ""),
        ("To", to),
        ("Call-ID", req.call_id),
        ("CSeq", req.header("cseq") or ""),
    ]
    out += headers or []
    return _serialize(f"SIP/2.0 {status} {reason or REASONS.get(status, 'Unknown')}", out, body)
