"""WS-Discovery: the pure Probe/ProbeMatch core (properties, fuzz) and the UDP transport."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anfang.subsystems.video.adapters import ws_discovery as wsd
from anfang.subsystems.video.adapters.ws_discovery import (
    ProbeMatch,
    WsDiscoveryError,
    build_probe,
    build_probe_matches,
    parse_probe,
    parse_probe_matches,
)

# Words as they appear in space-separated lists: printable, no whitespace, valid in XML.
word = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cn", "Zs", "Zl", "Zp", "Co")),
    min_size=1,
    max_size=30,
)
words = st.lists(word, max_size=4).map(tuple)
match = st.builds(ProbeMatch, word, words, words, words, st.integers(0, 2**31))


@given(st.lists(match, max_size=5), word, word)
def test_probe_matches_round_trip(matches: list[ProbeMatch], mid: str, relates: str) -> None:
    msg = parse_probe_matches(build_probe_matches(mid, relates, matches))
    assert msg.relates_to == relates and list(msg.matches) == matches


@given(word, words)
def test_probe_round_trip(mid: str, types: tuple[str, ...]) -> None:
    assert parse_probe(build_probe(mid, types)) == wsd.Probe(mid, types)


@settings(max_examples=300)
@given(st.binary(max_size=2000))
def test_any_bytes_parse_or_fail_cleanly(data: bytes) -> None:
    for parse in (parse_probe, parse_probe_matches):
        with contextlib.suppress(WsDiscoveryError):
            parse(data)


@given(st.binary(max_size=200), st.integers(0, 600))
def test_damaged_messages_fail_cleanly(junk: bytes, at: int) -> None:
    good = build_probe_matches("urn:uuid:1", "urn:uuid:2", [ProbeMatch("urn:uuid:cam")])
    bad = good[:at] + junk + good[at:]
    with contextlib.suppress(WsDiscoveryError):
        parse_probe_matches(bad)


def test_unknown_encoding_is_a_clean_error() -> None:
    good = build_probe_matches("urn:uuid:1", "urn:uuid:2", [ProbeMatch("urn:uuid:cam")])
    bad = b'<?xml version="1.0" encoding="AUTF-8"?>' + good.split(b"?>", 1)[1]
    with pytest.raises(WsDiscoveryError, match="unknown XML encoding"):
        parse_probe_matches(bad)


def test_strictness_errors_name_the_problem() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    with pytest.raises(WsDiscoveryError, match="DTD"):
        parse_probe_matches(bomb)
    with pytest.raises(WsDiscoveryError, match="exceeds"):
        parse_probe_matches(b" " * (wsd.MAX_MESSAGE + 1))
    with pytest.raises(WsDiscoveryError, match="is not ProbeMatches"):
        parse_probe_matches(build_probe("urn:uuid:1"))
    nameless = build_probe_matches("urn:uuid:1", "urn:uuid:2", [ProbeMatch("x")]).replace(
        b">x<", b"><"
    )
    with pytest.raises(WsDiscoveryError, match="endpoint"):
        parse_probe_matches(nameless)


def test_scopes_give_name_and_hardware() -> None:
    m = ProbeMatch(
        "urn:uuid:c",
        scopes=("onvif://www.onvif.org/name/DS-2CD2T47", "onvif://www.onvif.org/hardware/IPC"),
    )
    assert m.scope("name") == "DS-2CD2T47" and m.scope("hardware") == "IPC"
    assert m.scope("location") is None


class Responder(asyncio.DatagramProtocol):
    """A camera answering Probes on 127.0.0.1, after some noise a real LAN also carries."""

    def __init__(self) -> None:
        self.probes: list[wsd.Probe] = []
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        probe = parse_probe(data)
        self.probes.append(probe)
        cam = ProbeMatch(
            "urn:uuid:cam-1",
            ("dn:NetworkVideoTransmitter",),
            ("onvif://www.onvif.org/name/GATE",),
            ("http://127.0.0.1:8080/onvif/device_service",),
        )
        assert self.transport is not None
        self.transport.sendto(b"<not xml", addr)
        self.transport.sendto(build_probe_matches("urn:uuid:x", "urn:uuid:other", [cam]), addr)
        self.transport.sendto(build_probe_matches("urn:uuid:y", probe.message_id, [cam]), addr)


async def test_discover_over_udp_keeps_only_answers_to_its_probe() -> None:
    loop = asyncio.get_running_loop()
    transport, responder = await loop.create_datagram_endpoint(
        Responder, local_addr=("127.0.0.1", 0)
    )
    try:
        port = transport.get_extra_info("sockname")[1]
        found = await wsd.discover(0.4, target=("127.0.0.1", port), bind="127.0.0.1")
    finally:
        transport.close()
    assert len(responder.probes) == 2  # sent twice against loss; the device is listed once
    assert [(m.endpoint, m.scope("name"), src) for m, src in found] == [
        ("urn:uuid:cam-1", "GATE", "127.0.0.1")
    ]
