"""The front process's frame handler, in this process: what it answers alone, what it asks."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from anfang.subsystems.home_alarm.adapters.sia_build import build_frame
from anfang.subsystems.home_alarm.adapters.sia_front import (
    FAILED,
    REPLY,
    SILENT,
    STORED,
    Front,
)
from anfang.subsystems.home_alarm.adapters.sia_ipc import Channel
from anfang.subsystems.home_alarm.service import AccountInfo
from tests.subsystems.home_alarm.adapters.test_sia_receiver import KEY16, frame, kind_of


class Recorder(Channel):
    """A channel that keeps what is sent."""

    def __init__(self) -> None:
        super().__init__(lambda m: None, lambda: None)
        self.sent: list[Any] = []

    def send(self, obj: Any) -> bool:
        self.sent.append(obj)
        return True


def front_with(*accounts: AccountInfo) -> tuple[Front, Recorder]:
    channel = Recorder()
    front = Front(channel)
    front.version, front.accounts = 7, {a.account: a for a in accounts}
    return front, channel


async def batch(channel: Recorder) -> Any:
    await asyncio.sleep(0)  # the batch goes out at the end of the loop's turn
    (message,) = channel.sent
    assert message[0] == "batch"
    return message[1:]


async def test_frames_of_unknown_or_undecryptable_accounts_go_raw() -> None:
    front, channel = front_with(AccountInfo("AB12", "home", KEY16, None))
    unknown, wrong_key = frame("9999", 1), frame("AB12", 2, bytes(16))
    for f in (unknown, wrong_key):
        assert not isinstance(front.accept(f, "tcp"), bytes)
    frames, counts, logs = await batch(channel)
    assert [(tok, ver, raw, brief) for tok, ver, _, raw, brief, _ in frames] == [
        (1, 7, unknown, None),
        (2, 7, wrong_key, None),
    ]
    assert counts == {} and logs == []


async def test_a_known_account_goes_parsed_with_its_events() -> None:
    front, channel = front_with(AccountInfo("1234", "perimeter", None, None))
    pending = front.accept(frame("1234", 9), "udp")
    ((token, version, transport, _, brief, specs),), *_ = await batch(channel)
    assert (token, version, transport, brief) == (1, 7, "udp", ("1234", 9, "SIA-DCS", False))
    assert [s[0] for s in specs] == ["perimeter.intrusion"]
    front.answered([(1, STORED, None)])
    assert not isinstance(pending, bytes)
    reply = front.finish(pending)
    assert reply is not None and kind_of(reply) == b"ACK"


async def test_damage_is_answered_here_and_counted_there() -> None:
    front, channel = front_with()
    good = frame("1234", 5)
    bad = good[:1] + (b"0000" if good[1:5] != b"0000" else b"1111") + good[5:]
    reply = front.accept(bad, "tcp")
    assert isinstance(reply, bytes) and kind_of(reply) == b"NAK"
    frames, counts, logs = await batch(channel)
    assert frames == [] and counts == {"bad_crc": 1} and "bad_crc" in logs[0]


async def test_a_link_test_is_the_platforms_to_answer() -> None:
    # whether its account is still enabled is the platform's word, not the copy's
    front, channel = front_with(AccountInfo("1234", "home", None, None))
    null = build_frame("1234", [], sequence=3, id_token="NULL", line="1", timestamp=None)
    pending = front.accept(null, "tcp")
    assert not isinstance(pending, bytes)
    ((_, _, _, _, brief, specs),), counts, _ = await batch(channel)
    assert brief == ("1234", 3, "NULL", False) and specs == [] and counts == {}
    front.answered([(1, STORED, None)])
    reply = front.finish(pending)
    assert reply is not None and kind_of(reply) == b"ACK"


@pytest.mark.parametrize(
    ("status", "given", "expected"),
    [(REPLY, b"\nDUH\r", b"\nDUH\r"), (SILENT, None, None)],
)
async def test_the_platforms_verdicts(status: int, given: bytes | None, expected: Any) -> None:
    front, _ = front_with()
    pending = front.accept(frame("9999", 1), "tcp")
    assert not isinstance(pending, bytes)
    front.answered([(1, status, given)])
    assert front.finish(pending) == expected


async def test_a_failed_store_and_a_lost_platform() -> None:
    front, _ = front_with(AccountInfo("1234", "home", None, None))
    failed, waiting = front.accept(frame("1234", 1), "tcp"), front.accept(frame("1234", 2), "tcp")
    assert not isinstance(failed, bytes) and not isinstance(waiting, bytes)
    front.answered([(1, FAILED, b"constraint")])
    with pytest.raises(RuntimeError, match="constraint"):
        front.finish(failed)
    front.lost()  # nothing will answer the second: no reply, the panel sends it again
    assert front.finish(waiting) is None and front.waiting == {}
