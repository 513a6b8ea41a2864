"""Credentials in query strings never reach the log."""

from __future__ import annotations

import logging

import pytest

from anfang.app import redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GET /api/v1/stream?token=abc.DEF-1 HTTP/1.1", "GET /api/v1/stream?token=*** HTTP/1.1"),
        ("/x?stream=sub&token=s3cr3t&a=1", "/x?stream=sub&token=***&a=1"),
        ("/x?Access_Token=q", "/x?Access_Token=***"),
        ("/x?password=p&api_key=k", "/x?password=***&api_key=***"),
        ("/api/v1/events?limit=5", "/api/v1/events?limit=5"),
        ("/api/v1/tokens/abc", "/api/v1/tokens/abc"),
        (
            """< TEXT '{"type": "auth", "token": "x.y"}'""",
            """< TEXT '{"type": "auth", "token": "***"}'""",
        ),
        ('{"password":"pw","username":"u"}', '{"password":"***","username":"u"}'),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact.redact(text) == expected


def test_access_log_record_keeps_its_shape(caplog: pytest.LogCaptureFixture) -> None:
    redact.install()
    redact.install()  # once only
    logger = logging.getLogger("uvicorn.access")
    assert sum(isinstance(f, redact.RedactCredentials) for f in logger.filters) == 1
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        logger.info('%s - "%s %s HTTP/%s" %d', "1.2.3.4:5", "GET", "/s?token=SECRET", "1.1", 200)
    (record,) = caplog.records
    assert isinstance(record.args, tuple) and len(record.args) == 5
    assert "SECRET" not in record.getMessage() and "token=***" in record.getMessage()
