"""The pure HTTP push core: signatures, clock window, parsing, replies, and fuzzing."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anfang.app.registry import load_all
from anfang.ingest import http_push as hp

load_all()

SECRET = "s3cret-of-the-gate"


def headers(body: bytes, ts: str = "1700000000", secret: str = SECRET) -> dict[str, str]:
    return {
        "x-anfang-device": "GATE-1",
        "x-anfang-timestamp": ts,
        "x-anfang-signature": hp.sign(secret, ts, body),
    }


def body_of(*events: Mapping[str, object]) -> bytes:
    return orjson.dumps({"events": [dict(e) for e in events]})


GOOD = {
    "id": "e-1",
    "kind": "access.granted",
    "occurred_at": "2026-03-01T08:00:00+08:00",
    "payload": {"person": "王伟"},
}


def test_signature_matches_an_independent_hmac() -> None:
    import hashlib
    import hmac

    body = b'{"events":[]}'
    want = hmac.new(b"k", b"123\n" + body, hashlib.sha256).hexdigest()
    assert hp.sign("k", "123", body) == want


def test_good_request_passes_all_checks() -> None:
    body = body_of(GOOD)
    head = hp.parse_headers(headers(body))
    assert head.device == "GATE-1" and head.timestamp == 1_700_000_000
    hp.check_timestamp(head.timestamp, 1_700_000_030.0, 60)
    hp.check_signature(SECRET, head, body)
    [ev] = hp.parse_events(body)
    assert ev.kind == "access.granted" and ev.payload == {"person": "王伟"}
    assert ev.occurred_at == datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    assert ev.idempotency_key("GATE-1") == "GATE-1:e-1"


def test_header_names_are_case_insensitive_and_signature_case_too() -> None:
    body = b"{}"
    h = headers(body)
    upper = {k.upper(): v.upper() if k.endswith("signature") else v for k, v in h.items()}
    head = hp.parse_headers(upper)
    hp.check_signature(SECRET, head, body)


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda h: h.pop("x-anfang-signature"), "missing_header"),
        (lambda h: h.update({"x-anfang-timestamp": "soon"}), "bad_timestamp"),
        (lambda h: h.update({"x-anfang-signature": "zz"}), "bad_signature"),
        (lambda h: h.update({"x-anfang-device": "../etc"}), "unknown_device"),
    ],
)
def test_bad_headers_are_401(mutate: object, reason: str) -> None:
    h = headers(b"{}")
    mutate(h)  # type: ignore[operator]
    with pytest.raises(hp.PushRejected) as err:
        hp.parse_headers(h)
    assert (err.value.status, err.value.reason) == (401, reason)


def test_tampered_body_or_wrong_secret_is_bad_signature() -> None:
    body = body_of(GOOD)
    head = hp.parse_headers(headers(body))
    for secret, data in ((SECRET, body + b" "), ("other", body)):
        with pytest.raises(hp.PushRejected) as err:
            hp.check_signature(secret, head, data)
        assert err.value.reason == "bad_signature"


def test_timestamp_window_both_ways() -> None:
    hp.check_timestamp(1000, 1060.0, 60)
    hp.check_timestamp(1060, 1000.0, 60)
    for now in (1061.0, 939.0):
        with pytest.raises(hp.PushRejected) as err:
            hp.check_timestamp(1000, now, 60)
        assert (err.value.status, err.value.reason) == (401, "replay")


def test_size_limit_is_413() -> None:
    hp.check_size(1024, 1024)
    with pytest.raises(hp.PushRejected) as err:
        hp.check_size(1025, 1024)
    assert err.value.status == 413


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (b"[1]", "body must be a JSON object"),
        (b"{", "not valid JSON"),
        (b'{"events": []}', "events: must hold 1 to 500 events, got 0"),
        (b'{"events": {}}', "events: required"),
        (b'{"events": [{}], "extra": 1}', "extra: unknown field"),
        (
            body_of(GOOD, {**GOOD, "id": "e-2", "kind": "x.y"}),
            "events[1].kind: unknown event kind 'x.y'",
        ),
        (body_of({**GOOD, "id": ""}), "events[0].id: must be 1 to 64"),
        (body_of({**GOOD, "id": "x" * 65}), "events[0].id: must be 1 to 64"),
        (body_of({**GOOD, "id": "a\nb"}), "events[0].id"),
        (
            body_of({**GOOD, "occurred_at": "2026-03-01T08:00:00"}),
            "events[0].occurred_at: time needs a UTC offset",
        ),
        (body_of({**GOOD, "occurred_at": "yesterday"}), "events[0].occurred_at: not an ISO"),
        (body_of({**GOOD, "occurred_at": 1700000000}), "events[0].occurred_at: must be"),
        (body_of({**GOOD, "payload": [1]}), "events[0].payload: must be an object"),
        (body_of({**GOOD, "zone": "PZ01"}), "events[0].zone: unknown field"),
        (
            body_of({k: v for k, v in GOOD.items() if k != "occurred_at"}),
            "events[0].occurred_at: required",
        ),
        (body_of(*[{**GOOD, "id": str(i)} for i in range(501)]), "got 501"),
    ],
)
def test_malformed_bodies_name_the_field(body: bytes, where: str) -> None:
    with pytest.raises(hp.PushRejected) as err:
        hp.parse_events(body)
    assert err.value.status == 422
    assert where in err.value.message


def test_time_beyond_the_calendar_is_refused_not_crashed() -> None:
    body = body_of({**GOOD, "occurred_at": "9999-12-31T23:59:59-23:59"})
    with pytest.raises(hp.PushRejected) as err:
        hp.parse_events(body)
    assert "out of range" in err.value.message


def test_reply_pairs_device_ids_with_event_ids() -> None:
    pushed = hp.parse_events(body_of(GOOD, {**GOOD, "id": "e-2"}))
    reply = hp.accepted_reply(pushed, [("01A", False), ("01B", True)])
    assert reply == {
        "accepted": [
            {"id": "e-1", "event_id": "01A", "duplicate": False},
            {"id": "e-2", "event_id": "01B", "duplicate": True},
        ]
    }
    assert hp.error_reply(hp.PushRejected(401, "replay", "late")) == {
        "detail": "late",
        "reason": "replay",
    }


def test_heartbeat_body() -> None:
    hp.parse_heartbeat(b"")
    hp.parse_heartbeat(b"{}")
    with pytest.raises(hp.PushRejected):
        hp.parse_heartbeat(b"[]")


# ----------------------------------------------------------------------------- fuzzing

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
event_like = st.fixed_dictionaries(
    {},
    optional={
        "id": st.text(max_size=70) | json_values,
        "kind": st.sampled_from(["access.granted", "perimeter.intrusion", "x.y", ""]) | st.text(),
        "occurred_at": st.datetimes().map(lambda d: d.isoformat()) | st.text() | json_values,
        "payload": json_values,
        "extra": json_values,
    },
)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_only_ever_raise_push_rejected(data: bytes) -> None:
    for parse in (hp.parse_events, hp.parse_heartbeat):
        try:
            parse(data)
        except hp.PushRejected as exc:
            assert exc.status == 422


@settings(max_examples=300, deadline=None)
@given(st.lists(event_like, max_size=5) | json_values)
def test_random_json_structures_only_ever_raise_push_rejected(doc: object) -> None:
    body = json.dumps({"events": doc}, ensure_ascii=False).encode()
    try:
        events = hp.parse_events(body)
    except hp.PushRejected as exc:
        assert exc.status == 422 and exc.message
    else:
        assert all(ev.occurred_at.tzinfo is not None for ev in events)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.text(max_size=30), st.text(max_size=80), max_size=5),
    st.binary(max_size=200),
    st.integers(),
    st.integers(min_value=1, max_value=10**6),
)
def test_random_headers_only_ever_raise_push_rejected(
    h: dict[str, str], body: bytes, now: int, window: int
) -> None:
    try:
        head = hp.parse_headers(h)
        hp.check_timestamp(head.timestamp, float(now), window)
        hp.check_signature(SECRET, head, body)
    except hp.PushRejected as exc:
        assert exc.status == 401


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=12, alphabet="0123456789"), st.binary(max_size=300))
def test_signed_by_the_device_always_verifies(ts: str, body: bytes) -> None:
    head = hp.parse_headers(headers(body, ts))
    hp.check_signature(SECRET, head, body)


def test_check_kinds_is_pure_and_names_the_first_bad_event() -> None:
    when = hp.parse_events(
        b'{"events": [{"id": "a", "kind": "video.motion", "occurred_at": "2026-01-01T00:00:00Z"}]}'
    )
    hp.check_kinds(when, "video")
    hp.check_kinds(when, "video", frozenset({"video.motion"}))
    for subsystem, narrowed in (("access", None), ("video", frozenset({"video.tamper"}))):
        with pytest.raises(hp.PushRejected) as info:
            hp.check_kinds(when, subsystem, narrowed)
        assert info.value.status == 403 and info.value.message.startswith("events[0].kind")
