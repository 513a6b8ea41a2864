"""The rule book as data: the shipped one loads, names a source and confidence for every
rule and holds the rules the specification lists; malformed books are refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from anfang.compliance import rules


def test_shipped_book() -> None:
    book = rules.shipped()
    by = {r.id: r for r in book.rules}
    assert {
        "PER-01",
        "PER-02",
        "PER-03",
        "HOM-01",
        "HOM-02",
        "VID-01",
        "VID-02",
        "VID-03",
        "VID-04",
        "LOG-01",
        "PHY-01",
        "ACC-01",
        "UPL-01",
    } <= set(by)
    assert by["PER-01"].requirement.value == 70 and by["VID-04"].requirement.value == 4
    assert by["VID-03"].advisory and not by["PER-01"].advisory
    assert all(r.source.doc for r in book.rules)
    kinds = {r.requirement.kind for r in book.rules}
    assert kinds == {"presence", "count", "numeric", "coverage", "feature", "retention"}


def test_malformed_books_refused() -> None:
    one = rules.shipped().rules[0].model_dump()
    with pytest.raises(ValidationError, match="appear twice"):
        rules.parse({"version": "x", "rules": [one, one]})
    with pytest.raises(ValidationError, match="names its metric"):
        rules.parse({"version": "x", "rules": [{**one, "requirement": {"kind": "numeric"}}]})
    with pytest.raises(ValidationError):
        rules.parse({"version": "x", "rules": [{**one, "id": "bad id"}]})
    with pytest.raises(ValidationError):
        rules.parse({"version": "x", "rules": [{**one, "unknown": 1}]})
    retention = {**one, "requirement": {"kind": "retention", "metric": "a"}}
    with pytest.raises(ValidationError, match="what is held"):
        rules.parse({"version": "x", "rules": [retention]})
