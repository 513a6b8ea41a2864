"""Keeps credentials out of logs: query parameters and JSON fields that carry one, and the
``user:password@`` of any URL, are masked.

anfang itself never puts a credential in a URL, but an old or foreign client may, and
the server's access log would keep it for anyone who reads logs (issue 14). A camera's
RTSP URL carries its user and password by design; the video code strips them from what it
reports, and this filter, on every handler, is the net under that.
"""

from __future__ import annotations

import logging
import re

_SECRET = re.compile(
    r"(?i)([?&](?:access_token|token|ticket|password|passwd|secret|api_key|apikey|key)=)"
    r"[^&\s\"']*"
)
# The same in JSON (a WebSocket's first message, logged by the server at DEBUG level).
_JSON_SECRET = re.compile(
    r'(?i)("(?:access_token|token|ticket|password|new_password|current_password|secret|key)"'
    r'\s*:\s*")[^"]*'
)
# scheme://user:password@host — the userinfo of any URL (RTSP cameras, database URLs).
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@'\"]+@")
LOGGERS = ("uvicorn.access", "uvicorn.error", "uvicorn")


def redact(text: str) -> str:
    """``text`` with credential-bearing query parameters and JSON fields, and the
    ``user:password@`` of URLs, masked."""
    return _USERINFO.sub(r"\1***@", _JSON_SECRET.sub(r"\1***", _SECRET.sub(r"\1***", text)))


class RedactCredentials(logging.Filter):
    """A filter that masks credentials in a record's final message."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask credentials in the record's message and traceback; never drops one."""
        if record.exc_info and not record.exc_text:
            # A traceback's last line repeats the exception's message (FFmpeg's names the URL).
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        if redact(message) == message:
            return True
        if record.name == "uvicorn.access" and isinstance(record.args, tuple):
            # uvicorn's access formatter unpacks the arguments (client, method, path,
            # version, status): mask them one by one.
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        else:  # arguments may be objects (a WebSocket frame): mask the final text
            record.msg, record.args = redact(message), None
        return True


def install() -> None:
    """Attach the filter to the HTTP server's loggers and to every handler of the root
    logger, which all of anfang's loggers reach (once each)."""
    targets: list[logging.Filterer] = [logging.getLogger(name) for name in LOGGERS]
    targets += logging.getLogger().handlers
    for target in targets:
        if not any(isinstance(f, RedactCredentials) for f in target.filters):
            target.addFilter(RedactCredentials())
