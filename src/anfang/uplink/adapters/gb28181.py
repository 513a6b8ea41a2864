"""GB/T 28181 MANSCDP bodies, pure: parse the upper platform's queries, build our answers
(Keepalive, Catalog, DeviceInfo, DeviceStatus, RecordInfo) in the upper's charset.

Catalog and record lists are split so that every MESSAGE stays under the 1,300 bytes a UDP
datagram may carry without fragmenting (SumNum the total, DeviceList/RecordList Num the
items in that message, one SN for all). The Alarm Notify is :mod:`.gb_alarm`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from email.utils import parsedate_to_datetime
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

MAX_BODY = 16_384
CHARSETS = {"GB2312": "gb2312", "GB18030": "gb18030", "UTF-8": "utf-8"}
_FORBIDDEN = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_DECL = re.compile(rb"^\s*<\?xml[^>]*encoding=[\"']([A-Za-z0-9_-]+)[\"']")


class ManscdpError(ValueError):
    """A body refused: not XML, a DTD, no CmdType, or too large."""


@dataclass(frozen=True, slots=True)
class Query:
    """An incoming MANSCDP message: its root (Query, Control, Notify, Response) and fields."""

    root: str
    cmd_type: str
    sn: str
    device_id: str
    fields: dict[str, str] = field(default_factory=dict)
    items: list[dict[str, str]] = field(default_factory=list)  # of a DeviceList / RecordList


def parse(body: bytes) -> Query:
    """Parse a MANSCDP body (any of UTF-8, GB2312, GB18030); :class:`ManscdpError` else."""
    if len(body) > MAX_BODY:
        raise ManscdpError(f"body of {len(body)} bytes is too large")
    if _FORBIDDEN.search(body):
        raise ManscdpError("a DTD or entity declaration is refused")
    m = _DECL.match(body)
    charset = CHARSETS.get(m.group(1).decode().upper(), "gb18030") if m else "gb18030"
    try:
        text = body.decode(charset)
    except (UnicodeDecodeError, LookupError):
        raise ManscdpError(f"body is not {charset}") from None
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise ManscdpError(f"not XML: {exc}") from None
    fields = {child.tag: (child.text or "").strip() for child in root if len(child) == 0}
    items: list[dict[str, str]] = []
    for child in root:  # one level of nesting (Info/…) flattened as Info.Name
        if child.tag in ("DeviceList", "RecordList"):
            items += [_flat(item) for item in child if item.tag == "Item"]
            continue
        for sub in child:
            fields[f"{child.tag}.{sub.tag}"] = (sub.text or "").strip()
    cmd = fields.get("CmdType", "")
    if not cmd:
        raise ManscdpError("no CmdType")
    return Query(root.tag, cmd, fields.get("SN", ""), fields.get("DeviceID", ""), fields, items)


def _flat(el: ET.Element) -> dict[str, str]:
    out: dict[str, str] = {}
    for child in el:
        if len(child):
            out.update({f"{child.tag}.{sub.tag}": (sub.text or "").strip() for sub in child})
        else:
            out[child.tag] = (child.text or "").strip()
    return out


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: object) -> str:
    """Text as XML content: escaped, characters XML 1.0 cannot carry dropped."""
    return escape(_NOT_XML.sub("", str(value)))


def encode(xml: str, charset: str) -> bytes:
    """``xml`` with its declaration, in ``charset`` (characters it lacks become ``?``)."""
    return (f'<?xml version="1.0" encoding="{charset}"?>\r\n' + xml).encode(
        CHARSETS.get(charset.upper(), "gb18030"), "replace"
    )


CHINA = ZoneInfo("Asia/Shanghai")


def gb_time(at: datetime, zone: tzinfo = CHINA) -> str:
    """The standard's local time form, ``2026-12-06T10:00:00`` (no zone; local to ``zone``)."""
    return at.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S")


def keepalive(sn: int, device_id: str, charset: str) -> bytes:
    """The Keepalive Notify."""
    return encode(
        f"<Notify>\r\n<CmdType>Keepalive</CmdType>\r\n<SN>{sn}</SN>\r\n"
        f"<DeviceID>{xml_text(device_id)}</DeviceID>\r\n<Status>OK</Status>\r\n</Notify>\r\n",
        charset,
    )


@dataclass(frozen=True, slots=True)
class CatalogItem:
    """One channel of the catalog."""

    device_id: str
    name: str
    parent_id: str
    civil_code: str
    online: bool
    manufacturer: str = "anfang"
    model: str = ""
    address: str = ""
    ptz_type: int | None = None
    longitude: float | None = None
    latitude: float | None = None
    event: str = ""  # ADD/DEL/UPDATE/ON/OFF in a catalog Notify

    def xml(self, owner: str) -> str:
        """The ``<Item>`` element."""
        parts = [
            f"<DeviceID>{xml_text(self.device_id)}</DeviceID>",
            f"<Name>{xml_text(self.name)}</Name>",
            f"<Manufacturer>{xml_text(self.manufacturer)}</Manufacturer>",
            f"<Model>{xml_text(self.model)}</Model>",
            f"<Owner>{xml_text(owner)}</Owner>",
            f"<CivilCode>{xml_text(self.civil_code)}</CivilCode>",
            f"<Address>{xml_text(self.address)}</Address>",
            "<Parental>0</Parental>",
            f"<ParentID>{xml_text(self.parent_id)}</ParentID>",
            "<SafetyWay>0</SafetyWay><RegisterWay>1</RegisterWay><Secrecy>0</Secrecy>",
            f"<Status>{'ON' if self.online else 'OFF'}</Status>",
        ]
        if self.longitude is not None and self.latitude is not None:
            parts.append(f"<Longitude>{self.longitude:.6f}</Longitude>")
            parts.append(f"<Latitude>{self.latitude:.6f}</Latitude>")
        if self.ptz_type is not None:
            parts.append(f"<Info><PTZType>{self.ptz_type}</PTZType></Info>")
        if self.event:
            parts.append(f"<Event>{xml_text(self.event)}</Event>")
        return "<Item>" + "".join(parts) + "</Item>\r\n"


def _split(
    head: str, items: list[str], tail: str, list_tag: str, budget: int, charset: str
) -> list[bytes]:
    """Pack item elements into as few bodies of at most ``budget`` bytes as possible."""
    bodies: list[bytes] = []
    batch: list[str] = []

    def body(chunk: list[str]) -> bytes:
        return encode(
            f'{head}<{list_tag} Num="{len(chunk)}">\r\n{"".join(chunk)}</{list_tag}>\r\n{tail}',
            charset,
        )

    # Sizes are added up rather than re-encoded (a 5,000-channel catalog over TCP packs
    # thousands of items per body); the overhead counts a five-digit Num.
    codec = CHARSETS.get(charset.upper(), "gb18030")
    overhead = len(body([])) + 4
    size = overhead
    for item in items:
        n = len(item.encode(codec, "replace"))
        if batch and size + n > budget:
            bodies.append(body(batch))
            batch, size = [], overhead
        batch.append(item)
        size += n
    if batch or not bodies:
        bodies.append(body(batch))
    return bodies


def catalog(
    sn: str, platform_id: str, items: list[CatalogItem], budget: int, charset: str
) -> list[bytes]:
    """The Catalog Response split into bodies of at most ``budget`` bytes."""
    head = (
        f"<Response>\r\n<CmdType>Catalog</CmdType>\r\n<SN>{xml_text(sn)}</SN>\r\n"
        f"<DeviceID>{xml_text(platform_id)}</DeviceID>\r\n<SumNum>{len(items)}</SumNum>\r\n"
    )
    xml = [i.xml(platform_id) for i in items]
    return _split(head, xml, "</Response>\r\n", "DeviceList", budget, charset)


def catalog_notify(
    sn: int, platform_id: str, items: list[CatalogItem], budget: int, charset: str
) -> list[bytes]:
    """Catalog change Notify bodies (items carry their Event)."""
    head = (
        f"<Notify>\r\n<CmdType>Catalog</CmdType>\r\n<SN>{sn}</SN>\r\n"
        f"<DeviceID>{xml_text(platform_id)}</DeviceID>\r\n<SumNum>{len(items)}</SumNum>\r\n"
    )
    xml = [i.xml(platform_id) for i in items]
    return _split(head, xml, "</Notify>\r\n", "DeviceList", budget, charset)


def device_info(
    sn: str, device_id: str, name: str, model: str, firmware: str, channels: int, charset: str
) -> bytes:
    """The DeviceInfo Response."""
    return encode(
        f"<Response>\r\n<CmdType>DeviceInfo</CmdType>\r\n<SN>{xml_text(sn)}</SN>\r\n"
        f"<DeviceID>{xml_text(device_id)}</DeviceID>\r\n<DeviceName>{xml_text(name)}</DeviceName>\r\n"
        f"<Result>OK</Result>\r\n<Manufacturer>anfang</Manufacturer>\r\n"
        f"<Model>{xml_text(model)}</Model>\r\n<Firmware>{xml_text(firmware)}</Firmware>\r\n"
        f"<Channel>{channels}</Channel>\r\n</Response>\r\n",
        charset,
    )


def device_status(sn: str, device_id: str, online: bool, at: datetime, charset: str) -> bytes:
    """The DeviceStatus Response."""
    state = "ONLINE" if online else "OFFLINE"
    return encode(
        f"<Response>\r\n<CmdType>DeviceStatus</CmdType>\r\n<SN>{xml_text(sn)}</SN>\r\n"
        f"<DeviceID>{xml_text(device_id)}</DeviceID>\r\n<Result>OK</Result>\r\n"
        f"<Online>{state}</Online>\r\n<Status>{'OK' if online else 'ERROR'}</Status>\r\n"
        f"<DeviceTime>{gb_time(at)}</DeviceTime>\r\n<Encode>ON</Encode>\r\n"
        f"<Record>ON</Record>\r\n</Response>\r\n",
        charset,
    )


@dataclass(frozen=True, slots=True)
class RecordItem:
    """One recorded span of a channel."""

    start: datetime
    end: datetime
    size: int
    path: str = ""
    kind: str = "time"


def record_info(
    sn: str,
    device_id: str,
    name: str,
    records: list[RecordItem],
    budget: int,
    charset: str,
) -> list[bytes]:
    """The RecordInfo Response, split like the catalog."""
    head = (
        f"<Response>\r\n<CmdType>RecordInfo</CmdType>\r\n<SN>{xml_text(sn)}</SN>\r\n"
        f"<DeviceID>{xml_text(device_id)}</DeviceID>\r\n<Name>{xml_text(name)}</Name>\r\n"
        f"<SumNum>{len(records)}</SumNum>\r\n"
    )
    xml = [
        f"<Item><DeviceID>{xml_text(device_id)}</DeviceID><Name>{xml_text(name)}</Name>"
        f"<FilePath>{xml_text(r.path)}</FilePath><Address>anfang</Address>"
        f"<StartTime>{gb_time(r.start)}</StartTime><EndTime>{gb_time(r.end)}</EndTime>"
        f"<Secrecy>0</Secrecy><Type>{xml_text(r.kind)}</Type>"
        f"<FileSize>{r.size}</FileSize></Item>\r\n"
        for r in records
    ]
    return _split(head, xml, "</Response>\r\n", "RecordList", budget, charset)


def parse_gb_time(text: str, zone: tzinfo = CHINA) -> datetime | None:
    """``2026-12-06T10:00:00`` (local to ``zone``) as an aware time; None when malformed."""
    try:
        naive = datetime.strptime(text.strip()[:19], "%Y-%m-%dT%H:%M:%S")  # noqa: DTZ007
    except ValueError:
        return None
    return naive.replace(tzinfo=zone)


def clock_offset(date: str | None, now: datetime) -> float | None:
    """Seconds the clock of a ``Date`` header (GB/T 28181's form, or RFC 1123) is ahead of
    ``now``; None when there is none or it cannot be read."""
    if not date:
        return None
    at = parse_gb_time(date)
    if at is None:
        try:
            at = parsedate_to_datetime(date)
        except (ValueError, TypeError):
            return None
    if at.tzinfo is None:
        return None  # "-0000": the zone unknown, no offset can be told
    return round((at - now).total_seconds(), 3)
