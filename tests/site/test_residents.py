"""Residents import on SQLite and PostgreSQL: CSV, XLSX, Chinese headers, all-or-nothing."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.site.importer import MAX_IMPORT_BYTES, ImportFileError, import_site
from anfang.site.residents import (
    import_residents,
    import_residents_file,
    map_header,
    read_table,
)
from anfang.store.models import Resident
from tests.site.helpers import audit_actions, doc_block, running

CSV_ZH = doc_block("csv")


def xlsx(rows: list[list[object]]) -> bytes:
    """An .xlsx workbook holding ``rows`` on its first sheet."""
    wb = Workbook()
    sheet = wb.active
    for r in rows:
        sheet.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
async def plat(tmp_path: Path, db_url: str) -> AsyncIterator[Platform]:
    async with running(tmp_path, db_url) as p:
        assert (await import_site(p, doc_block("yaml").encode())).errors == []
        yield p


def residents(plat: Platform) -> list[tuple[str, str, str]]:
    with plat.read_session() as ses:
        rows = ses.execute(
            select(Resident.name, Resident.phone, Resident.role).order_by(Resident.id)
        )
        return [(a, b, c) for a, b, c in rows]


async def test_csv_with_chinese_headers(plat: Platform, tmp_path: Path) -> None:
    path = tmp_path / "住户.csv"
    path.write_bytes(b"\xef\xbb\xbf" + CSV_ZH.encode())  # Excel's "CSV UTF-8" has a BOM
    calls: list[tuple[int, int]] = []
    report = await import_residents_file(plat, path, lambda d, t: calls.append((d, t)))
    assert report.errors == [] and report.imported == 3
    assert report.counts == {"created": 3, "updated": 0}
    assert residents(plat) == [
        ("张伟", "13800000001", "owner"),
        ("李娜", "13800000002", "family"),
        ("王芳", "13800000003", "tenant"),
    ]
    assert calls[-1] == (6, 6) and calls == sorted(calls)
    assert ("cli", "resident.import", "住户.csv") in audit_actions(plat)
    again = await import_residents_file(plat, path)  # the same file again changes nothing
    assert again.counts == {"created": 0, "updated": 0} and len(residents(plat)) == 3


async def test_xlsx_with_numbers_and_english_headers(plat: Platform) -> None:
    data = xlsx(
        [
            ["Building", "Unit", "Room", "Name", "Phone", "Role"],
            ["B1", 1, 1802, "赵六", 13900000000, "owner"],
            [None, None, None, None, None, None],
            ["2号楼", "1单元", "201", "钱七", None, None],
        ]
    )
    report = await import_residents(plat, data, "people.xlsx", actor="user:a")
    assert report.errors == [] and report.imported == 2
    assert residents(plat) == [("赵六", "13900000000", "owner"), ("钱七", "", "owner")]


async def test_one_bad_row_imports_nothing(plat: Platform) -> None:
    data = xlsx(
        [
            ["楼栋", "单元", "房号", "姓名", "电话", "身份"],
            ["1号楼", "1", "101", "张伟", "13800000001", "业主"],
            ["1号楼", "1", "9901", "李娜", "", "业主"],
            ["9号楼", "1", "101", "王芳", "", ""],
            ["1号楼", "1", "101", "", "phone?", "boss"],
            ["1号楼", "1", "101", "张伟", "", "家属"],
        ]
    )
    report = await import_residents(plat, data, "bad.xlsx")
    got = {(e.row, e.column) for e in report.errors}
    assert got == {
        (3, "room"),
        (4, "building"),
        (5, "name"),
        (5, "phone"),
        (5, "role"),
        (6, "name"),
    }
    dup = next(e for e in report.errors if e.row == 6)
    assert "row 2" in dup.message
    assert report.imported == 0 and residents(plat) == []


async def test_dry_run_writes_nothing(plat: Platform) -> None:
    report = await import_residents(plat, CSV_ZH.encode(), "r.csv", dry_run=True)
    assert report.dry_run and report.imported == 3 and report.errors == []
    assert residents(plat) == []


async def test_header_only_is_refused(plat: Platform) -> None:
    with pytest.raises(ImportFileError, match="no residents"):
        await import_residents(plat, b"building,unit,room,name\n", "r.csv")


@pytest.mark.parametrize(
    ("data", "name", "status", "message"),
    [
        (b"", "r.csv", 422, "empty"),
        (b"\n\n", "r.csv", 422, "empty"),
        ("楼栋,单元,房号,姓名\n".encode("gbk"), "r.csv", 422, "not UTF-8"),
        (b"PK\x03\x04 not really a zip", "r.xlsx", 422, "not a readable .xlsx"),
        (b"building,unit,room,nmae\n", "r.csv", 422, "unknown column 'nmae'"),
        (b"building,unit,name\n", "r.csv", 422, "lacks the column(s) room"),
        (b"building,unit,room,name,name\n", "r.csv", 422, "appears twice"),
        (b"a,b\n", "r.txt", 422, "use .csv or .xlsx"),
        (b"x" * (MAX_IMPORT_BYTES + 1), "r.csv", 413, "10 MB"),
    ],
)
def test_unreadable_files(data: bytes, name: str, status: int, message: str) -> None:
    with pytest.raises(ImportFileError) as err:
        map_header(read_table(data, name).header)
    assert err.value.status == status and message in err.value.message
