"""MANSCDP bodies: queries parsed (safely), answers built in the upper's charset, catalogs
and record lists split under the datagram budget with SumNum and Num right."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anfang.uplink.adapters import gb28181 as gb

PLATFORM = "34020000002000000099"


def _item(i: int, name: str = "") -> gb.CatalogItem:
    return gb.CatalogItem(
        f"3402000001132{i:07d}", name or f"摄像机{i}", PLATFORM, "340200", i % 2 == 0
    )


def test_a_catalog_query_parses_in_gb2312() -> None:
    body = gb.encode(
        "<Query><CmdType>Catalog</CmdType><SN>17430</SN><DeviceID>34020000002000000099</DeviceID></Query>",
        "GB2312",
    )
    q = gb.parse(body)
    assert (q.root, q.cmd_type, q.sn, q.device_id) == ("Query", "Catalog", "17430", PLATFORM)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]>"
            b"<Query><CmdType>&a;</CmdType></Query>",
            "DTD",
        ),
        (b"<Query><SN>1</SN></Query>", "CmdType"),
        (b"<Query><CmdType>Catalog</CmdType>", "not XML"),
        (b"x" * 20_000, "too large"),
    ],
)
def test_refusals(body: bytes, message: str) -> None:
    with pytest.raises(gb.ManscdpError, match=message):
        gb.parse(body)


@given(st.binary(max_size=600))
def test_any_bytes_parse_or_are_refused(data: bytes) -> None:
    with contextlib.suppress(gb.ManscdpError):
        gb.parse(data)


@given(
    st.lists(st.text(min_size=1, max_size=30), min_size=0, max_size=60),
    st.integers(400, 4000),
    st.sampled_from(["GB2312", "GB18030", "UTF-8"]),
)
def test_catalog_splits_keep_every_item_once(names: list[str], budget: int, charset: str) -> None:
    items = [_item(i, n) for i, n in enumerate(names)]
    bodies = gb.catalog("9", PLATFORM, items, budget, charset)
    parsed = [gb.parse(b) for b in bodies]
    assert all(p.sn == "9" and p.fields["SumNum"] == str(len(items)) for p in parsed)
    got = [i["DeviceID"] for p in parsed for i in p.items]
    assert got == [i.device_id for i in items]
    for body, p in zip(bodies, parsed, strict=True):
        assert len(p.items) == 1 or len(body) <= budget  # one oversize item still goes


def test_a_5000_channel_catalog_fits_udp_datagrams() -> None:
    items = [_item(i) for i in range(5000)]
    bodies = gb.catalog("1", PLATFORM, items, 1300 - 520, "GB2312")
    assert all(len(b) <= 780 for b in bodies)
    assert sum(len(gb.parse(b).items) for b in bodies) == 5000


def test_chinese_names_survive_gb2312() -> None:
    body = gb.catalog("1", PLATFORM, [_item(1, "东门入口摄像机")], 5000, "GB2312")[0]
    assert b'encoding="GB2312"' in body and "东门入口摄像机".encode("gb2312") in body
    assert gb.parse(body).items[0]["Name"] == "东门入口摄像机"


def test_status_info_and_records() -> None:
    at = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
    st_ = gb.parse(gb.device_status("3", PLATFORM, False, at, "GB2312"))
    assert st_.fields["Online"] == "OFFLINE" and st_.fields["Result"] == "OK"
    info = gb.parse(gb.device_info("4", PLATFORM, "社区", "anfang", "1.0", 12, "GB18030"))
    assert info.fields["Channel"] == "12" and info.fields["DeviceName"] == "社区"
    recs = [gb.RecordItem(at, at, 100 * i) for i in range(30)]
    bodies = gb.record_info("5", PLATFORM, "CAM", recs, 900, "GB2312")
    parsed = [gb.parse(b) for b in bodies]
    assert sum(len(p.items) for p in parsed) == 30 and len(bodies) > 1
    assert parsed[0].items[0]["StartTime"] == "2026-12-06T10:00:00"


def test_gb_time_round_trips_in_beijing_time() -> None:
    at = datetime(2026, 12, 6, 2, 3, 4, tzinfo=UTC)
    assert gb.parse_gb_time(gb.gb_time(at)) == at
    assert gb.parse_gb_time("2026-12-06T10:03:04.123") == at.replace(microsecond=0)
    assert gb.parse_gb_time("yesterday") is None


def test_clock_offset_from_a_date_header() -> None:
    now = datetime(2026, 12, 6, 2, 0, 0, tzinfo=UTC)
    assert gb.clock_offset("2026-12-06T10:10:00", now) == 600.0  # GB form, China time
    assert gb.clock_offset("Sun, 06 Dec 2026 01:59:30 GMT", now) == -30.0
    assert gb.clock_offset("", now) is None and gb.clock_offset(None, now) is None
    assert gb.clock_offset("yesterday", now) is None
