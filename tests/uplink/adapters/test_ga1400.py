"""GA/T 1400 bodies: the system objects, record lists, and answers read strictly."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from anfang.uplink.adapters import ga1400


def test_status_lists_and_single_status() -> None:
    one = ga1400.status("/VIID/System/Register", "x", 0, "OK", datetime.now(UTC))
    assert ga1400.status_codes(one) == [("x", "0")]
    many = {"ResponseStatusListObject": {"ResponseStatusObject": [
        {"Id": "a", "StatusCode": 0}, {"Id": "b", "StatusCode": "4"}]}}  # fmt: skip
    assert ga1400.status_codes(many) == [("a", "0"), ("b", "4")]


@pytest.mark.parametrize("bad", [[], {}, {"ResponseStatusListObject": {"ResponseStatusObject": 3}}])
def test_answers_not_in_the_standard_shape_are_refused(bad: object) -> None:
    with pytest.raises(ga1400.ViidError):
        ga1400.status_codes(bad)


def test_a_face_list_carries_its_image_in_base64() -> None:
    at = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
    image = ga1400.sub_image("1" * 41, "2" * 20, "14", at, b"\xff\xd8jpeg", (64, 80))
    rec = ga1400.FaceRecord("3" * 48, "1" * 41, "2" * 20, at, (image,))
    body = ga1400.faces([rec])
    face = body["FaceListObject"]["FaceObject"][0]
    assert face["FaceAppearTime"] == "20261206100000"
    assert face["SubImageList"]["SubImageInfoObject"][0]["Data"] == "/9hqcGVn"
    car = ga1400.vehicles(
        [ga1400.VehicleRecord("4" * 48, "1" * 41, "2" * 20, at, "京A1", "yellow", "in")]
    )
    assert car["MotorVehicleListObject"]["MotorVehicleObject"][0]["PlateColor"] == "3"
