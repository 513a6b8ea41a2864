"""The platform ↔ front-process channel: messages survive any split of the byte stream."""

from __future__ import annotations

import pickle
import struct
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anfang.subsystems.home_alarm.adapters.sia_ipc import MAX_MESSAGE, Channel

MESSAGES = st.lists(
    st.tuples(st.text(max_size=20), st.binary(max_size=300), st.integers()), max_size=8
)


def encoded(messages: list[Any]) -> bytes:
    out = b""
    for m in messages:
        data = pickle.dumps(m)
        out += struct.pack("!I", len(data)) + data
    return out


@given(MESSAGES, st.lists(st.integers(min_value=1, max_value=64), max_size=50))
def test_any_split_gives_the_same_messages(messages: list[Any], cuts: list[int]) -> None:
    got: list[Any] = []
    channel = Channel(got.append, lambda: None)
    data, i = encoded(messages), 0
    for n in cuts:
        channel.data_received(data[i : i + n])
        i += n
    channel.data_received(data[i:])
    assert got == messages


def test_an_impossible_length_is_refused() -> None:
    channel = Channel(lambda m: None, lambda: None)
    with pytest.raises(ValueError, match="message of"):
        channel.data_received(struct.pack("!I", MAX_MESSAGE + 1) + b"x")


def test_send_on_a_closed_channel_says_so() -> None:
    assert Channel(lambda m: None, lambda: None).send(("results", [])) is False
