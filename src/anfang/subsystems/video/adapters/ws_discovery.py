"""WS-Discovery (ONVIF Profile S device discovery): a pure Probe/ProbeMatch core and a thin
UDP multicast transport.

The core turns bytes into typed messages and builds them; it never does I/O. Replies come
from anyone on the LAN, so parsing is strict: a size cap, no DTD (entity expansion), and a
:class:`WsDiscoveryError` naming the problem for anything that is not a well-formed message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from prometheus_client import Counter

log = logging.getLogger(__name__)

MULTICAST = ("239.255.255.250", 3702)
MAX_MESSAGE = 65_536
SOAP = "http://www.w3.org/2003/05/soap-envelope"
WSA = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
WSD = "http://schemas.xmlsoap.org/ws/2005/04/discovery"
DN = "http://www.onvif.org/ver10/network/wsdl"
TO_DISCOVERY = "urn:schemas-xmlsoap-org:ws:2005:04:discovery"
ACTION_PROBE = f"{WSD}/Probe"
ACTION_MATCHES = f"{WSD}/ProbeMatches"
ANONYMOUS = f"{WSA}/role/anonymous"

REJECTED = Counter("anfang_ws_discovery_rejected_total", "WS-Discovery datagrams refused", ["why"])


class WsDiscoveryError(ValueError):
    """A datagram that is not a usable WS-Discovery message."""


@dataclass(frozen=True, slots=True)
class Probe:
    """A Probe: its message id and the types asked for."""

    message_id: str
    types: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ProbeMatch:
    """One device's answer: its endpoint, types, scopes and service addresses."""

    endpoint: str
    types: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    xaddrs: tuple[str, ...] = ()
    metadata_version: int = 1

    def scope(self, prefix: str) -> str | None:
        """The rest of the first scope starting with ``onvif://www.onvif.org/<prefix>/``."""
        head = f"onvif://www.onvif.org/{prefix}/"
        return next((s[len(head) :] for s in self.scopes if s.startswith(head)), None)


@dataclass(frozen=True, slots=True)
class ProbeMatches:
    """A ProbeMatches message: which Probe it answers, and the matches."""

    relates_to: str
    matches: tuple[ProbeMatch, ...] = field(default_factory=tuple)


def new_message_id() -> str:
    """A fresh ``urn:uuid:`` message id."""
    return f"urn:uuid:{uuid.uuid4()}"


def _envelope(action: str, message_id: str, body: str, relates_to: str | None = None) -> bytes:
    relates = f"<a:RelatesTo>{_esc(relates_to)}</a:RelatesTo>" if relates_to else ""
    to = ANONYMOUS if relates_to else TO_DISCOVERY
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<s:Envelope xmlns:s="{SOAP}" xmlns:a="{WSA}" xmlns:d="{WSD}" xmlns:dn="{DN}">'
        f"<s:Header><a:Action>{action}</a:Action><a:MessageID>{_esc(message_id)}</a:MessageID>"
        f"{relates}<a:To>{to}</a:To></s:Header><s:Body>{body}</s:Body></s:Envelope>"
    ).encode()


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def build_probe(message_id: str, types: tuple[str, ...] = ("dn:NetworkVideoTransmitter",)) -> bytes:
    """A Probe for ``types`` (by default ONVIF video transmitters: cameras, encoders)."""
    t = f"<d:Types>{_esc(' '.join(types))}</d:Types>" if types else ""
    return _envelope(ACTION_PROBE, message_id, f"<d:Probe>{t}</d:Probe>")


def build_probe_matches(message_id: str, relates_to: str, matches: list[ProbeMatch]) -> bytes:
    """A ProbeMatches answering ``relates_to`` (what a device sends back)."""
    body = "".join(
        "<d:ProbeMatch>"
        f"<a:EndpointReference><a:Address>{_esc(m.endpoint)}</a:Address></a:EndpointReference>"
        f"<d:Types>{_esc(' '.join(m.types))}</d:Types>"
        f"<d:Scopes>{_esc(' '.join(m.scopes))}</d:Scopes>"
        f"<d:XAddrs>{_esc(' '.join(m.xaddrs))}</d:XAddrs>"
        f"<d:MetadataVersion>{m.metadata_version}</d:MetadataVersion>"
        "</d:ProbeMatch>"
        for m in matches
    )
    return _envelope(
        ACTION_MATCHES, message_id, f"<d:ProbeMatches>{body}</d:ProbeMatches>", relates_to
    )


def _root(data: bytes) -> ET.Element:
    if len(data) > MAX_MESSAGE:
        raise WsDiscoveryError(f"message of {len(data)} bytes exceeds {MAX_MESSAGE}")
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise WsDiscoveryError("a DTD is not allowed in WS-Discovery messages")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise WsDiscoveryError(f"not well-formed XML: {exc}") from exc
    except LookupError as exc:  # an encoding declaration Python does not know
        raise WsDiscoveryError(f"unknown XML encoding: {exc}") from exc
    if root.tag != f"{{{SOAP}}}Envelope":
        raise WsDiscoveryError(f"not a SOAP 1.2 envelope (root {root.tag!r})")
    return root


def _header(root: ET.Element, name: str) -> str:
    el = root.find(f"{{{SOAP}}}Header/{{{WSA}}}{name}")
    return (el.text or "").strip() if el is not None else ""


def _words(el: ET.Element | None) -> tuple[str, ...]:
    return tuple((el.text or "").split()) if el is not None else ()


def _action(root: ET.Element, want: str) -> None:
    action = _header(root, "Action")
    if action != want:
        raise WsDiscoveryError(f"action {action!r} is not {want.rsplit('/', 1)[-1]}")


def parse_probe(data: bytes) -> Probe:
    """A Probe from a datagram (raises :class:`WsDiscoveryError`)."""
    root = _root(data)
    _action(root, ACTION_PROBE)
    mid = _header(root, "MessageID")
    if not mid:
        raise WsDiscoveryError("Probe without MessageID")
    probe = root.find(f"{{{SOAP}}}Body/{{{WSD}}}Probe")
    if probe is None:
        raise WsDiscoveryError("Probe action without a Probe body")
    return Probe(mid, _words(probe.find(f"{{{WSD}}}Types")))


def parse_probe_matches(data: bytes) -> ProbeMatches:
    """A ProbeMatches from a datagram (raises :class:`WsDiscoveryError`)."""
    root = _root(data)
    _action(root, ACTION_MATCHES)
    relates = _header(root, "RelatesTo")
    if not relates:
        raise WsDiscoveryError("ProbeMatches without RelatesTo")
    body = root.find(f"{{{SOAP}}}Body/{{{WSD}}}ProbeMatches")
    if body is None:
        raise WsDiscoveryError("ProbeMatches action without a ProbeMatches body")
    matches = []
    for m in body.findall(f"{{{WSD}}}ProbeMatch"):
        addr = m.find(f"{{{WSA}}}EndpointReference/{{{WSA}}}Address")
        endpoint = (addr.text or "").strip() if addr is not None else ""
        if not endpoint:
            raise WsDiscoveryError("ProbeMatch without an endpoint address")
        version = m.find(f"{{{WSD}}}MetadataVersion")
        try:
            mv = int((version.text or "1").strip()) if version is not None else 1
        except ValueError as exc:
            raise WsDiscoveryError("MetadataVersion is not a number") from exc
        matches.append(
            ProbeMatch(
                endpoint,
                _words(m.find(f"{{{WSD}}}Types")),
                _words(m.find(f"{{{WSD}}}Scopes")),
                _words(m.find(f"{{{WSD}}}XAddrs")),
                mv,
            )
        )
    return ProbeMatches(relates, tuple(matches))


# ---------------------------------------------------------------- transport


class _Collector(asyncio.DatagramProtocol):
    def __init__(self, message_id: str) -> None:
        self.message_id = message_id
        self.found: dict[str, tuple[ProbeMatch, str]] = {}

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        try:
            msg = parse_probe_matches(data)
        except WsDiscoveryError as exc:
            REJECTED.labels("malformed").inc()
            log.info("WS-Discovery: ignored a datagram from %s: %s", addr[0], exc)
            return
        if msg.relates_to != self.message_id:
            REJECTED.labels("unrelated").inc()
            return
        for m in msg.matches:
            self.found.setdefault(m.endpoint, (m, str(addr[0])))


async def discover(
    timeout_s: float = 2.0, target: tuple[str, int] = MULTICAST, bind: str = "0.0.0.0"
) -> list[tuple[ProbeMatch, str]]:
    """Probe ``target`` (the WS-Discovery multicast group by default) and collect the
    answers for ``timeout_s``: each device once, with the address it answered from."""
    loop = asyncio.get_running_loop()
    mid = new_message_id()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)  # the local network only
    sock.bind((bind, 0))
    sock.setblocking(False)
    transport, proto = await loop.create_datagram_endpoint(lambda: _Collector(mid), sock=sock)
    try:
        probe = build_probe(mid)
        transport.sendto(probe, target)
        await asyncio.sleep(timeout_s / 2)
        transport.sendto(probe, target)  # UDP may drop one; devices answer each probe once
        await asyncio.sleep(timeout_s / 2)
    finally:
        with contextlib.suppress(OSError):
            transport.close()
    return list(proto.found.values())
