"""SIA DC-03 / Contact ID tables and their mapping to anfang kinds."""

from __future__ import annotations

import pytest

import anfang.subsystems.perimeter  # noqa: F401  (registers the perimeter kinds)
from anfang.core import kinds
from anfang.subsystems.home_alarm.adapters.sia_codes import (
    CID_CODES,
    SIA_CODES,
    category_for,
    describe,
    kind_for,
)


def test_tables_are_large_enough_and_bilingual() -> None:
    assert len(SIA_CODES) >= 80
    assert len(CID_CODES) >= 80
    for table in (SIA_CODES, CID_CODES):
        for _category, zh, en in table.values():
            assert zh and en and zh != en


def test_required_sia_codes_present() -> None:
    required = "BA BR PA PR FA FR GA GR WA WR TA TR YT YR AT AR CL OP CG OG RP RX YS UX BB BU JA"
    assert set(required.split()) <= SIA_CODES.keys()


@pytest.mark.parametrize("perimeter", [False, True])
def test_every_known_code_maps_to_a_declared_kind(perimeter: bool) -> None:
    for code in SIA_CODES:
        kind = kind_for(code, None, perimeter=perimeter)
        assert kind is not None
        kinds.get(kind)
    for code in CID_CODES:
        for qualifier in (1, 3, 6):
            kind = kind_for(code, qualifier, perimeter=perimeter)
            assert kind is not None
            kinds.get(kind)


@pytest.mark.parametrize(
    ("code", "qualifier", "home", "perimeter"),
    [
        ("BA", None, "home_alarm.burglary", "perimeter.intrusion"),
        ("BR", None, "home_alarm.restore", "perimeter.restore"),
        ("PA", None, "home_alarm.panic", "home_alarm.panic"),
        ("FA", None, "home_alarm.fire", "home_alarm.fire"),
        ("GA", None, "home_alarm.gas", "home_alarm.gas"),
        ("WA", None, "home_alarm.water", "home_alarm.water"),
        ("TA", None, "home_alarm.tamper", "perimeter.tamper"),
        ("YT", None, "home_alarm.trouble", "perimeter.trouble"),
        ("CL", None, "home_alarm.armed", "perimeter.armed"),
        ("OP", None, "home_alarm.disarmed", "perimeter.disarmed"),
        ("RP", None, "home_alarm.test", "home_alarm.test"),
        ("130", 1, "home_alarm.burglary", "perimeter.intrusion"),
        ("130", 3, "home_alarm.restore", "perimeter.restore"),
        ("130", 6, "home_alarm.burglary", "perimeter.intrusion"),
        ("110", 1, "home_alarm.fire", "home_alarm.fire"),
        ("120", 1, "home_alarm.panic", "home_alarm.panic"),
        ("151", 1, "home_alarm.gas", "home_alarm.gas"),
        ("154", 1, "home_alarm.water", "home_alarm.water"),
        ("137", 1, "home_alarm.tamper", "perimeter.tamper"),
        ("301", 1, "home_alarm.trouble", "perimeter.trouble"),
        ("301", 3, "home_alarm.restore", "perimeter.restore"),
        ("401", 1, "home_alarm.disarmed", "perimeter.disarmed"),
        ("401", 3, "home_alarm.armed", "perimeter.armed"),
        ("602", 1, "home_alarm.test", "home_alarm.test"),
        (602, 1, "home_alarm.test", "home_alarm.test"),
    ],
)
def test_kind_for(code: str | int, qualifier: int | None, home: str, perimeter: str) -> None:
    assert kind_for(code, qualifier, perimeter=False) == home
    assert kind_for(code, qualifier, perimeter=True) == perimeter


@pytest.mark.parametrize(
    ("code", "qualifier"),
    [("ZZ", None), ("999", 1), ("130", 2), ("130", None), ("B", None), ("BA1", None), ("", 1)],
)
def test_unknown_codes_have_no_kind(code: str, qualifier: int | None) -> None:
    assert kind_for(code, qualifier, perimeter=False) is None


def test_describe_and_category() -> None:
    assert describe("BA") == ("盗警", "Burglary alarm")
    assert describe("602") == ("定期测试报告", "Periodic test report")
    assert describe("QQ") is None
    assert category_for("ba".upper()) == "burglary"
    assert category_for("602", 3) == "test"
