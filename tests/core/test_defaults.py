"""Every default alarm definition matches kinds that exist."""

from __future__ import annotations

from anfang.app.registry import load_all
from anfang.core import kinds
from anfang.core.defaults import DEFAULT_DEFINITIONS


def test_default_definitions_match_declared_kinds() -> None:
    load_all()
    declared = [k.kind for k in kinds.all_kinds()]
    for d in DEFAULT_DEFINITIONS:
        assert 1 <= d["priority"] <= 5 and d["procedure"]
        hits = [k for k in declared if any(kinds.matches(p, k) for p in d["kinds"])]
        assert hits, f"definition {d['name']} matches no declared kind"
        assert not any(k.endswith("restore") for k in hits), d["name"]
