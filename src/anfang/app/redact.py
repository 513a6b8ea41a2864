"""Keeps credentials out of logs: query parameters that carry one are masked.

anfang itself never puts a credential in a URL, but an old or foreign client may, and
the server's access log would keep it for anyone who reads logs (issue 14).
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
LOGGERS = ("uvicorn.access", "uvicorn.error", "uvicorn")


def redact(text: str) -> str:
    """``text`` with the values of credential-bearing query parameters masked."""
    return _JSON_SECRET.sub(r"\1***", _SECRET.sub(r"\1***", text))


class RedactCredentials(logging.Filter):
    """A filter that masks credentials in a record's final message."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask credentials in the record's message; never drops one."""
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
    """Attach the filter to the HTTP server's loggers (once)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactCredentials) for f in logger.filters):
            logger.addFilter(RedactCredentials())
