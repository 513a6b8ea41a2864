"""SIP over a stream (TCP, RFC 3261 §18.3), pure: a byte stream cut into whole messages by
their Content-Length, CRLF keep-alives skipped. The transport (``sip_tcp``) feeds it."""

from __future__ import annotations

from anfang.wire.sip import MAX_DATAGRAM, SipError

MAX_HEAD = 16_384  # bytes of headers on a stream before giving up


def split_stream(buf: bytes) -> tuple[list[bytes], bytes]:
    """Cut a stream (SIP over TCP, RFC 3261 §18.3) into whole messages; returns them and the
    incomplete rest. Content-Length is mandatory on a stream; CRLF keep-alives between
    messages are skipped. Raises :class:`SipError` when the stream cannot be resynchronised
    (no Content-Length, an oversize head or body): the caller closes the connection."""
    out: list[bytes] = []
    pos, n = 0, len(buf)
    while pos < n:
        while buf.startswith(b"\r\n", pos):
            pos += 2
        if pos >= n:
            break
        end = buf.find(b"\r\n\r\n", pos)
        if end < 0:
            if n - pos > MAX_HEAD:
                raise SipError(f"no end of headers within {MAX_HEAD} bytes", 413)
            break
        head = buf[pos:end]
        length = _stream_length(head)
        stop = end + 4 + length
        if stop > n:
            break
        out.append(buf[pos:stop])
        pos = stop
    return out, buf[pos:]


def _stream_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() in (b"content-length", b"l"):
            text = value.strip()
            if not text.isdigit() or int(text) > MAX_DATAGRAM:
                raise SipError(f"bad Content-Length {text[:20]!r} on a stream", 413)
            return int(text)
    raise SipError("no Content-Length on a stream")
