"""Vzenith's plate push: read with its colour, time and image, refused with a reason,
answered so that the barrier opens or stays shut."""

from __future__ import annotations

import base64
import contextlib
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from anfang.subsystems.parking.adapters.vzenith import VzRejected, parse_push, reply

CROP = b"\xff\xd8\xff\xe0fake-jpeg"


def push(**over: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        "license": "粤BF12345", "colorType": 5, "type": 11, "confidence": 95, "plateid": 1024,
        "timeStamp": {"Timeval": {"sec": 1571932583, "usec": 0}},
        "imageFile": "", "imageFragmentFile": base64.b64encode(CROP).decode(),
    }  # fmt: skip
    result |= over
    return {"AlarmInfoPlate": {"serialno": "e0fade63-f0fe93", "ipaddr": "192.168.1.10",
                               "result": {"PlateResult": result}}}  # fmt: skip


def test_a_push_is_read() -> None:
    read = parse_push(orjson.dumps(push()))
    assert read.serialno == "e0fade63-f0fe93" and read.plate == "粤BF12345"
    assert read.colour == "green" and read.confidence == 0.95 and read.plate_id == 1024
    assert read.occurred_at == datetime.fromtimestamp(1571932583, UTC)
    assert read.image == CROP
    scene = parse_push(
        orjson.dumps(push(imageFragmentFile="", imageFile=base64.b64encode(b"s").decode()))
    )
    assert scene.image == b"s"
    bare = parse_push(orjson.dumps(push(colorType=0, timeStamp=None, confidence="x")))
    assert bare.colour is None and bare.occurred_at is None and bare.confidence is None


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", "malformed_json"),
        (b"[]", "malformed"),
        (orjson.dumps({"AlarmInfoPlate": {"result": {}}}), "unknown_device"),
        (orjson.dumps({"AlarmInfoPlate": {"serialno": "x", "result": {}}}), "malformed"),
        (orjson.dumps(push(license=None)), "malformed"),
        (orjson.dumps(push(imageFragmentFile="***")), "bad_image"),
        (orjson.dumps(push(imageFragmentFile=7)), "bad_image"),
        (orjson.dumps(push(imageFragmentFile="A" * (3 * 1024 * 1024))), "image_too_large"),
    ],
)
def test_bad_pushes_are_refused(body: bytes, reason: str) -> None:
    with pytest.raises(VzRejected) as err:
        parse_push(body)
    assert err.value.reason == reason


@given(st.binary(max_size=300))
def test_any_body_is_read_or_refused(body: bytes) -> None:
    with contextlib.suppress(VzRejected):
        parse_push(body)


def test_the_reply_opens_or_not() -> None:
    assert reply(True, 7) == {"Response_AlarmInfoPlate": {"info": "ok", "plateid": 7}}
    assert reply(False, None) == {"Response_AlarmInfoPlate": {"info": "no"}}
