"""Barrier decisions: the black list never opens, residents within their dates do, visitors
and unknown cars as the lane says, and nobody is trapped inside."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from anfang.subsystems.parking.decide import Lane, Listed, decide

NOW = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
IN, OUT = Lane("in"), Lane("out")


def test_decisions() -> None:
    black = Listed("black", reason="被盗")
    assert decide(IN, black, False, NOW) == decide(IN, black, True, NOW)
    assert decide(OUT, black, False, NOW).open is False
    assert decide(IN, Listed("white"), False, NOW).reason == "resident"
    expired = Listed("white", valid_until=NOW - timedelta(days=1))
    assert (decide(IN, expired, False, NOW).open, decide(IN, expired, False, NOW).reason) == (
        False, "resident_expired",
    )  # fmt: skip
    later = Listed("white", valid_from=NOW + timedelta(days=1))
    assert decide(IN, later, False, NOW).open is False
    assert decide(IN, None, True, NOW).reason == "invited"
    assert decide(Lane("in", open_visitors=False), None, True, NOW).reason == "visitor_desk"
    assert decide(IN, None, False, NOW).open is False
    assert decide(Lane("in", open_unknown=True), None, False, NOW).open is True
    assert decide(OUT, None, False, NOW) == decide(OUT, None, False, NOW)
    assert decide(OUT, expired, False, NOW).open is True  # nobody is trapped inside
