"""The event-kind registry."""

from __future__ import annotations

import pytest

from anfang.app.registry import load_all
from anfang.core import kinds
from anfang.core.kinds import Severity, UnknownEventKind


def test_every_subsystem_declares_its_kinds() -> None:
    subs = load_all()
    assert set(subs) == {
        "perimeter",
        "video",
        "access",
        "intercom",
        "home_alarm",
        "patrol",
        "parking",
        "physical",
        "center",
        "uplink",  # cross-cutting, registered like a subsystem (docs/ARCHITECTURE.md)
        "compliance",  # cross-cutting too
    }
    declared = {k.kind.split(".")[0] for k in kinds.all_kinds()}
    assert set(subs) <= declared


def test_unknown_and_malformed_kinds() -> None:
    with pytest.raises(UnknownEventKind, match=r"unknown event kind 'x\.y'"):
        kinds.get("x.y")
    with pytest.raises(ValueError, match="bad event kind"):
        kinds.register("NoDots", Severity.INFO, "无", "none")
    kinds.register("test.kind_a", Severity.LOW, "甲", "A")
    kinds.register("test.kind_a", Severity.LOW, "甲", "A")  # identical: fine
    with pytest.raises(ValueError, match="declared twice"):
        kinds.register("test.kind_a", Severity.HIGH, "甲", "A")


@pytest.mark.parametrize(
    ("pattern", "kind", "expected"),
    [
        ("perimeter.intrusion", "perimeter.intrusion", True),
        ("perimeter.*", "perimeter.intrusion", True),
        ("*.tamper", "video.tamper", True),
        ("*.tamper", "video.loss", False),
        ("events.>", "events.a.b", True),
        (">", "a", True),
        ("a.*", "a.b.c", False),
    ],
)
def test_matches(pattern: str, kind: str, expected: bool) -> None:
    assert kinds.matches(pattern, kind) is expected
