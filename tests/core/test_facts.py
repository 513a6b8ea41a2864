"""Fact sources: collected by name, a failing one stated as unavailable, not raised."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from anfang.core.capabilities import Capabilities
from anfang.core.facts import FACT_SOURCES, Fact, fact_sources, least

NOW = datetime(2026, 12, 6, tzinfo=UTC)


def test_collect_and_a_broken_source() -> None:
    caps = Capabilities()
    sources = fact_sources(caps)
    assert caps.get(FACT_SOURCES) is sources and fact_sources(caps) is sources

    def good(_s: Any, _now: datetime) -> Mapping[str, Fact]:
        return {"a.x": Fact(1, "one")}

    def bad(_s: Any, _now: datetime) -> Mapping[str, Fact]:
        raise RuntimeError("table missing")

    sources.add("a", good)
    sources.add("b", bad)
    out = sources.collect(None, NOW)  # type: ignore[arg-type]
    assert out["a.x"].value == 1 and out["b.unavailable"].value is True
    assert "table missing" in out["b.unavailable"].evidence
    assert sources.names() == ["a", "b"]


def test_least() -> None:
    assert least({"a": 3, "b": 1.5, "c": True, "d": "x", "e": None}) == 1.5
    assert least({}) is None
