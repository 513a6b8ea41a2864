"""The webhook's pure core: signature, headers, when to retry."""

from __future__ import annotations

import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st

from anfang.subsystems.center.adapters import webhook


@given(st.binary(max_size=200), st.binary(min_size=1, max_size=64), st.text(max_size=12))
def test_the_signature_is_hmac_of_timestamp_and_body(body: bytes, key: bytes, ts: str) -> None:
    want = hmac.new(key, ts.encode() + b"\n" + body, hashlib.sha256).hexdigest()
    assert webhook.sign(key, ts, body) == want
    assert webhook.headers(key, ts, "D1", body)["X-Anfang-Signature"] == want
    assert "X-Anfang-Signature" not in webhook.headers(None, ts, "D1", body)


def test_retries_back_off_and_stop() -> None:
    assert [webhook.retry_after(a, 503) for a in range(1, 6)] == [1.0, 2.0, 4.0, 8.0, None]
    assert webhook.retry_after(1, None) == 1.0  # no answer at all: try again
    assert webhook.retry_after(1, 404) is None  # retrying cannot fix it
    assert webhook.retry_after(1, 429) == 1.0
    assert b'"delivery":"D1"' in webhook.body(1, "r", "D1", {"kind": "x"})
