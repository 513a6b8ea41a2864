"""The SIP/UDP transport: retransmission over loss, answering repeats once, 501."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from anfang.wire import sip
from anfang.wire.sip import SipRequest
from anfang.wire.sip_udp import Addr, SipEndpoint


class LossyServer(SipEndpoint):
    """Loses the first ``drop`` datagrams it receives, and counts what it handles."""

    def __init__(self, drop: int) -> None:
        super().__init__(self.handle)
        self.drop = drop
        self.handled: list[str] = []

    async def handle(self, req: SipRequest, peer: Addr) -> None:
        self.handled.append(req.method)
        self.reply(req, peer, 200, to_tag="srv")

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        if self.drop > 0:
            self.drop -= 1
            return
        super().datagram_received(data, addr)


@pytest.fixture
async def pair() -> AsyncIterator[tuple[LossyServer, SipEndpoint]]:
    server, client = LossyServer(drop=1), SipEndpoint(None)
    await server.open("127.0.0.1", 0)
    await client.open("127.0.0.1", 0)
    yield server, client
    await client.close()
    await server.close()


def headers(method: str, call_id: str = "c1@test") -> list[tuple[str, str]]:
    return [
        ("From", "<sip:IM-1@anfang>;tag=a"),
        ("To", "<sip:IM-1@anfang>"),
        ("Call-ID", call_id),
        ("CSeq", f"1 {method}"),
    ]


async def test_a_lost_request_is_retransmitted(pair: tuple[LossyServer, SipEndpoint]) -> None:
    server, client = pair
    resp = await client.request(server.local, "OPTIONS", "sip:anfang", headers("OPTIONS"))
    assert resp.status == 200 and resp.to_tag == "srv"
    assert server.handled == ["OPTIONS"] and server.drop == 0


async def test_a_repeated_request_gets_the_same_answer_once_handled(
    pair: tuple[LossyServer, SipEndpoint],
) -> None:
    server, client = pair
    server.drop = 0
    branch = sip.new_branch()
    first = await client.request(
        server.local, "MESSAGE", "sip:anfang", headers("MESSAGE"), b"x", branch=branch
    )
    again = await client.request(  # same branch and CSeq: a retransmission
        server.local, "MESSAGE", "sip:anfang", headers("MESSAGE"), b"x", branch=branch
    )
    assert first.status == again.status == 200
    assert server.handled == ["MESSAGE"]


async def test_unsupported_methods_get_501(pair: tuple[LossyServer, SipEndpoint]) -> None:
    server, client = pair
    server.drop = 0
    resp = await client.request(server.local, "SUBSCRIBE", "sip:anfang", headers("SUBSCRIBE"))
    assert resp.status == 501 and server.handled == []


async def test_no_answer_times_out(pair: tuple[LossyServer, SipEndpoint]) -> None:
    server, client = pair
    server.drop = 10**6
    with pytest.raises(TimeoutError):
        await client.request(
            server.local, "OPTIONS", "sip:anfang", headers("OPTIONS"), give_up_s=0.3
        )
