"""The SDP of a GB/T 28181 INVITE, pure: read the upper's offer, write our answer.

GB/T 28181 adds two lines to SDP: ``y=`` the 10-digit SSRC (0 live / 1 history, then the
domain, then a sequence) and ``f=`` the media parameters. ``s=Play`` asks for live video,
``s=Playback`` for a recorded range given by ``t=`` (Unix seconds). Over TCP
(``TCP/RTP/AVP``), ``a=setup:passive`` in the offer means the upper listens and we connect;
``a=setup:active`` means it connects to us.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

MAX_SDP = 4_096


class SdpError(ValueError):
    """An offer anfang cannot answer (the reason is sent back as the 488's phrase)."""


@dataclass(frozen=True, slots=True)
class Offer:
    """What the upper asks for."""

    session: str  # Play, Playback, Download
    address: str
    port: int
    tcp: bool
    setup: str  # "active" (it connects) / "passive" (it listens) / "" for UDP
    ssrc: str
    payloads: dict[int, str] = field(default_factory=dict)
    start: int = 0
    end: int = 0

    @property
    def ps_payload(self) -> int:
        """The payload type the offer gives PS (96 when it names none)."""
        for pt, name in self.payloads.items():
            if name.upper().startswith("PS/"):
                return pt
        return 96


def parse_offer(body: bytes) -> Offer:
    """Read an INVITE's SDP; :class:`SdpError` when it is not a PS video offer."""
    if len(body) > MAX_SDP:
        raise SdpError("SDP too large")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise SdpError("SDP is not UTF-8") from None
    session, address, port, proto, setup, ssrc = "Play", "", 0, "", "", ""
    payloads: dict[int, str] = {}
    start = end = 0
    for line in text.splitlines():
        key, _, value = line.strip().partition("=")
        value = value.strip()
        if key == "s":
            session = value
        elif key == "c":
            address = value.split()[-1] if value else ""
        elif key == "m" and value.startswith("video"):
            parts = value.split()
            if len(parts) < 3 or not parts[1].isdigit():
                raise SdpError(f"bad media line {value[:60]!r}")
            port, proto = int(parts[1]), parts[2].upper()
        elif key == "a" and value.startswith("rtpmap:"):
            pt, _, name = value[7:].partition(" ")
            if pt.isdigit():
                payloads[int(pt)] = name
        elif key == "a" and value.startswith("setup:"):
            setup = value[6:].strip().lower()
        elif key == "y":
            ssrc = value
        elif key == "t":
            bounds = value.split()
            if len(bounds) == 2 and all(b.isdigit() for b in bounds):
                start, end = int(bounds[0]), int(bounds[1])
    if not proto:
        raise SdpError("no video media line")
    if proto not in ("RTP/AVP", "TCP/RTP/AVP", "RTP/AVP/TCP"):
        raise SdpError(f"transport {proto[:30]} is not RTP/AVP")
    try:
        ipaddress.ip_address(address)
    except ValueError:
        raise SdpError(f"connection address {address[:60]!r} is not an IP address") from None
    if not 0 < port < 65536:
        raise SdpError(f"port {port} out of range")
    if ssrc and not (ssrc.isdigit() and len(ssrc) == 10):
        raise SdpError(f"y= SSRC {ssrc[:20]!r} is not 10 digits")
    tcp = proto != "RTP/AVP"
    if tcp and setup not in ("active", "passive"):
        raise SdpError("TCP media needs a=setup:active or a=setup:passive")
    if session not in ("Play", "Playback", "Download"):
        raise SdpError(f"session {session[:20]!r} is not Play, Playback or Download")
    if session != "Play" and not (0 < start < end):
        raise SdpError("playback needs t=<start> <end>")
    if payloads and not any(n.upper().startswith("PS/") for n in payloads.values()):
        raise SdpError("the offer has no PS payload")
    return Offer(session, address, port, tcp, setup if tcp else "", ssrc, payloads, start, end)


def answer(offer: Offer, channel: str, address: str, port: int, ssrc: str) -> bytes:
    """Our SDP answer: sendonly PS on ``address:port`` with SSRC ``ssrc``."""
    proto = "TCP/RTP/AVP" if offer.tcp else "RTP/AVP"
    pt = offer.ps_payload
    lines = [
        "v=0",
        f"o={channel} 0 0 IN IP4 {address}",
        f"s={offer.session}",
        f"c=IN IP4 {address}",
        f"t={offer.start} {offer.end}",
        f"m=video {port} {proto} {pt}",
        "a=sendonly",
        f"a=rtpmap:{pt} PS/90000",
    ]
    if offer.tcp:
        # We take the other side of the upper's setup.
        lines += [f"a=setup:{'active' if offer.setup == 'passive' else 'passive'}"]
        lines += ["a=connection:new"]
    lines += [f"y={ssrc}", "f="]
    return ("\r\n".join(lines) + "\r\n").encode()
