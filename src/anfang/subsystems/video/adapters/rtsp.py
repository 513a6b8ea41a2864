"""RTSP camera streams: URLs with credentials, redaction, and what failures mean.

The URL stored for a camera never holds a password: :func:`with_credentials` puts the
user and password into it only inside the recording worker, and :func:`redact` removes
them from anything that is logged or reported.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

# Codecs recorded as they arrive (remuxed into MP4); anything else is refused clearly.
RECORDABLE = frozenset({"h264", "hevc"})


@dataclass(frozen=True, slots=True)
class StreamFailure:
    """Why a stream could not be recorded: a camera state and a message for people."""

    state: str  # unauthorized | unreachable | unsupported | disk_full | storage_error | lost
    message: str


def check_url(url: str) -> str:
    """Return ``url`` if it is an RTSP URL with a host; raise ``ValueError`` naming the problem."""
    parts = urlsplit(url)
    if parts.scheme not in ("rtsp", "rtsps"):
        raise ValueError("must be an rtsp:// or rtsps:// URL")
    if not parts.hostname:
        raise ValueError("has no host")
    if parts.password is not None:
        raise ValueError("must not hold a password (give it as password)")
    return url


def with_credentials(url: str, username: str | None, password: str | None) -> str:
    """``url`` with ``username:password@`` put in (percent-encoded); unchanged if no user."""
    if not username:
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    auth = quote(username, safe="")
    if password:
        auth += ":" + quote(password, safe="")
    return urlunsplit((parts.scheme, f"{auth}@{host}", parts.path, parts.query, parts.fragment))


def redact(url: str) -> str:
    """``url`` without any user or password, for logs and messages."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(
        (parts.scheme, parts.netloc.rsplit("@", 1)[1], parts.path, parts.query, parts.fragment)
    )


def classify_open_error(exc: BaseException) -> StreamFailure:
    """The camera state an error opening a stream stands for.

    ``exc.status`` (the RTSP client's errors carry it) decides where present; otherwise
    the message is read, as FFmpeg reports errors only in words.
    """
    status = getattr(exc, "status", None)
    text = _text(exc)
    low = text.lower()
    if status == 401 or (status is None and ("401" in text or "unauthorized" in low)):
        return StreamFailure("unauthorized", "camera refused the user name or password (401)")
    if status == 403 or (status is None and ("403" in text or "forbidden" in low)):
        return StreamFailure("unauthorized", "camera refused access (403)")
    if status == 404 or (status is None and ("404" in text or "not found" in low)):
        return StreamFailure("unreachable", "camera has no such stream (404)")
    return StreamFailure("unreachable", f"cannot open stream: {text}")


def classify_write_error(exc: BaseException) -> StreamFailure:
    """The camera state an error writing a segment stands for (disk full or other)."""
    code = getattr(exc, "errno", None)
    if code == errno.ENOSPC or "no space left" in _text(exc).lower():
        return StreamFailure("disk_full", "recording disk is full")
    return StreamFailure("storage_error", f"cannot write recording: {_text(exc)}")


def _text(exc: BaseException) -> str:
    msg = str(exc) or type(exc).__name__
    return redact_text(msg)


def redact_text(text: str) -> str:
    """Remove ``user:password@`` from every RTSP URL inside ``text``."""
    out: list[str] = []
    for word in text.split(" "):
        core = word.strip("'\"")
        if core.startswith(("rtsp://", "rtsps://")):
            word = word.replace(core, redact(core))
        out.append(word)
    return " ".join(out)
