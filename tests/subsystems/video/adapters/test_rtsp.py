"""RTSP URL handling and error classes: credentials go in only on demand, never out."""

from __future__ import annotations

import errno
from urllib.parse import unquote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anfang.subsystems.video.adapters.rtsp import (
    check_url,
    classify_open_error,
    classify_write_error,
    redact,
    redact_text,
    with_credentials,
)

URL = "rtsp://192.0.2.7:554/Streaming/Channels/101?transport=tcp"


@given(st.text(min_size=1, max_size=30), st.text(max_size=30))
def test_credentials_round_trip_and_redact(user: str, password: str) -> None:
    url = with_credentials(URL, user, password)
    parts = urlsplit(url)
    assert unquote(parts.username or "") == user
    assert unquote(parts.password or "") == password
    assert parts.hostname == "192.0.2.7" and parts.port == 554
    assert parts.path == "/Streaming/Channels/101" and parts.query == "transport=tcp"
    assert redact(url) == URL
    text = f"cannot open '{url}': refused"
    assert redact_text(text) == f"cannot open '{URL}': refused"


def test_no_user_leaves_url_alone_and_ipv6_kept() -> None:
    assert with_credentials(URL, None, "x") == URL
    assert (
        with_credentials("rtsp://[2001:db8::1]:8554/a", "u", "p")
        == "rtsp://u:p@[2001:db8::1]:8554/a"
    )


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://h/x", "rtsp://"),
        ("rtsp:///x", "no host"),
        ("rtsp://u:p@h/x", "password"),
    ],
)
def test_check_url(url: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        check_url(url)
    assert check_url("rtsp://admin@h/x") == "rtsp://admin@h/x"


def test_error_classes() -> None:
    assert classify_open_error(OSError("Server returned 401 Unauthorized")).state == "unauthorized"
    assert classify_open_error(OSError("Server returned 404 Not Found")).state == "unreachable"
    got = classify_open_error(OSError("Connection refused: 'rtsp://u:pw@h/x'"))
    assert got.state == "unreachable" and "pw" not in got.message
    assert (
        classify_write_error(OSError(errno.ENOSPC, "No space left on device")).state == "disk_full"
    )
    assert classify_write_error(OSError(errno.EACCES, "denied")).state == "storage_error"
