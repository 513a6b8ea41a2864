"""The pure chain rule: canonical JSON and link hashes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from anfang.audit import chain

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(st.dictionaries(st.text(max_size=8), json_values, max_size=6))
def test_canonical_ignores_key_order(detail: dict[str, object]) -> None:
    reordered = dict(reversed(list(detail.items())))
    assert chain.canonical(detail) == chain.canonical(reordered)


def test_link_hash_depends_on_every_field_and_the_previous_hash() -> None:
    at = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    body = chain.entry_body(1, at, "user:a", "alarm.acknowledge", "alarm:1", {"note": "x"})
    h = chain.link_hash(chain.GENESIS, body)
    assert len(h) == 64
    assert chain.link_hash("1" * 64, body) != h
    for field, value in [
        ("actor", "user:b"),
        ("action", "alarm.resolve"),
        ("seq", 2),
        ("target", "alarm:2"),
        ("detail", {"note": "y"}),
    ]:
        assert chain.link_hash(chain.GENESIS, {**body, field: value}) != h
    # the same instant written in another zone is the same entry
    beijing = at.astimezone(timezone(timedelta(hours=8)))
    same = chain.entry_body(1, beijing, "user:a", "alarm.acknowledge", "alarm:1", {"note": "x"})
    assert chain.link_hash(chain.GENESIS, same) == h
