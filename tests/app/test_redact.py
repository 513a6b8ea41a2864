"""Credentials in query strings never reach the log."""

from __future__ import annotations

import io
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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "no picture: [Errno 111] Connection refused: 'rtsp://admin:demo1234@10.0.0.5:554/s'",
            "no picture: [Errno 111] Connection refused: 'rtsp://***@10.0.0.5:554/s'",
        ),
        ("postgresql+psycopg://anfang:pw@db/anfang", "postgresql+psycopg://***@db/anfang"),
        ("rtsp://10.0.0.5:554/s and mailto-like a@b", "rtsp://10.0.0.5:554/s and mailto-like a@b"),
    ],
)
def test_urls_lose_their_user_and_password(text: str, expected: str) -> None:
    assert redact.redact(text) == expected


def test_every_handler_masks_messages_and_tracebacks() -> None:
    """Any logger's record, its traceback included, passes the root handlers' filter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        redact.install()
        log = logging.getLogger("anfang.subsystems.video.media")
        url = "rtsp://admin:demo1234@127.0.0.1:554/CAM-08/sub"
        log.warning("snapshot failed: %s", f"Connection refused: '{url}'")
        try:
            raise ConnectionRefusedError(f"cannot open {url}")
        except ConnectionRefusedError:
            log.exception("camera task")
    finally:
        root.removeHandler(handler)
    text = stream.getvalue()
    assert "demo1234" not in text and "admin:" not in text
    assert text.count("rtsp://***@127.0.0.1:554/CAM-08/sub") == 2
