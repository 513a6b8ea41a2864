"""The terminal protocol's pure core: every body is parsed or refused with a reason."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from anfang.ingest.http_push import PushRejected
from anfang.subsystems.access.adapters import terminal_http as th
from anfang.subsystems.access.adapters import wiegand


def test_credentials() -> None:
    assert th.parse_credential(b'{"reader":"in","card":"000123"}') == th.CredentialRequest(
        "in", "card", "123"
    )
    assert th.parse_credential(b'{"card_hex":"ff"}').value == "255"
    frame = format(wiegand.encode(34, 7, 9), "034b")
    assert th.parse_credential(orjson.dumps({"wiegand": frame})).value == str(7 << 16 | 9)
    assert th.parse_credential(b'{"reader":2,"pin":"0042"}') == th.CredentialRequest(
        "2", "pin", "0042"
    )
    assert th.parse_credential(b'{"qr":"ANF1.abc"}').kind == "qr"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[]", "malformed_json"),
        (b'{"card":"1","x":1}', "bad_field"),
        (b"{}", "bad_field"),
        (b'{"card":1}', "bad_credential"),
        (b'{"pin":"12"}', "bad_credential"),
        (b'{"card_hex":"zz"}', "bad_credential"),
        (b'{"wiegand":"0101"}', "wiegand_bad_length"),
        (b'{"qr":"a\\u0000b"}', "bad_credential"),
        (b'{"reader":"../x","card":"1"}', "bad_field"),
    ],
)
def test_refusals(body: bytes, reason: str) -> None:
    with pytest.raises(PushRejected) as err:
        th.parse_credential(body)
    assert (err.value.status, err.value.reason) == (422, reason)


@given(st.binary(max_size=300))
def test_any_bytes_parse_or_refuse(body: bytes) -> None:
    for parse in (th.parse_credential, th.parse_status):
        try:
            parse(body)
        except PushRejected as exc:
            assert exc.status == 422 and exc.reason


@given(
    st.dictionaries(
        st.sampled_from(["reader", "card", "card_hex", "wiegand", "pin", "qr", "door", "x"]),
        st.one_of(st.text(max_size=40), st.integers(-(2**63), 2**63 - 1), st.none(), st.booleans()),
        max_size=4,
    )
)
def test_any_json_object_parses_or_refuses(data: dict[str, object]) -> None:
    body = orjson.dumps(data)
    try:
        req = th.parse_credential(body)
    except PushRejected as exc:
        assert exc.status == 422
    else:
        assert req.kind in ("card", "pin", "qr") and req.value


def test_status_liveness_image() -> None:
    assert th.parse_status(b'{"door":"open"}') == th.StatusReport(None, True)
    with pytest.raises(PushRejected):
        th.parse_status(b'{"door":"ajar"}')
    assert th.parse_liveness("PASS") is True and th.parse_liveness(None) is None
    assert th.parse_liveness("spoof") is False
    with pytest.raises(PushRejected):
        th.parse_liveness("maybe")
    th.check_image(b"\xff\xd8\xff\xe0rest")
    with pytest.raises(PushRejected) as err:
        th.check_image(b"GIF89a")
    assert err.value.reason == "not_an_image"
    with pytest.raises(PushRejected) as err:
        th.check_image(b"\xff\xd8\xff" + bytes(th.MAX_IMAGE_BYTES))
    assert err.value.status == 413
