"""Import of residents from CSV or XLSX: every row is checked first, then all are written
in one writer job, or none when any row is wrong.

A row names its household by building, unit and room; a resident already in that
household under the same name is updated rather than added twice, so importing a file
again changes nothing.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.core.writer import WriteContext
from anfang.site import schemas as s
from anfang.site.importer import (
    MAX_IMPORT_BYTES,
    ImportFileError,
    Progress,
    capped,
    check_size,
    ticker,
)
from anfang.site.service import SitePlatform
from anfang.store.models import Building, Household, Resident, Unit

COLUMNS = ("building", "unit", "room", "name", "phone", "role")
REQUIRED = ("building", "unit", "room", "name")
HEADER_ALIASES = {
    "楼栋": "building",
    "单元": "unit",
    "房号": "room",
    "姓名": "name",
    "电话": "phone",
    "身份": "role",
}
ROLES = {
    "owner": "owner",
    "tenant": "tenant",
    "family": "family",
    "other": "other",
    "业主": "owner",
    "租户": "tenant",
    "家属": "family",
    "其他": "other",
    "": "owner",
}
PHONE_RE = re.compile(r"^[0-9+\-() ]{3,32}$")


@dataclass(frozen=True, slots=True)
class Table:
    """A file's header and its data rows, each with its 1-based line as a sheet shows it."""

    header: list[str]
    rows: list[tuple[int, list[str]]]


@dataclass(frozen=True, slots=True)
class ResidentRow:
    """One checked row, ready to write."""

    row: int
    household_id: int
    name: str
    phone: str
    role: str


# --------------------------------------------------------------------------- reading


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # room 1802 typed as a number comes back as 1802.0
    return str(value).strip()


def read_table(data: bytes, filename: str) -> Table:
    """Read a .csv (UTF-8) or .xlsx file; raises ImportFileError for unreadable files."""
    check_size(data)
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                f"file is not UTF-8 text (bad byte at offset {exc.start}): save it as 'CSV UTF-8'"
            ) from exc
        lines = list(csv.reader(io.StringIO(text, newline="")))
        numbered = [(i, [c.strip() for c in r]) for i, r in enumerate(lines, 1)]
    elif suffix == ".xlsx":
        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sheet = wb.worksheets[0]
            numbered = [
                (i, [_cell(c) for c in r])
                for i, r in enumerate(sheet.iter_rows(values_only=True), 1)
            ]
            wb.close()
        except (
            zipfile.BadZipFile,
            InvalidFileException,
            KeyError,
            ValueError,
            OSError,
            IndexError,
        ) as exc:
            raise ImportFileError(f"not a readable .xlsx workbook: {exc}") from exc
    else:
        raise ImportFileError(f"unsupported file type {suffix or filename!r}: use .csv or .xlsx")
    numbered = [(i, r) for i, r in numbered if any(r)]
    if not numbered:
        raise ImportFileError("file has no header row and no data")
    (_, header), rows = numbered[0], numbered[1:]
    return Table(header, rows)


def map_header(header: list[str]) -> dict[str, int]:
    """Column positions by canonical name; raises ImportFileError for unknown or missing."""
    positions: dict[str, int] = {}
    for i, raw in enumerate(header):
        name = HEADER_ALIASES.get(raw.strip(), raw.strip().lower())
        if not raw.strip():
            continue
        if name not in COLUMNS:
            raise ImportFileError(
                f"unknown column {raw!r} in the header row: the columns are "
                f"{', '.join(COLUMNS)} (or {', '.join(HEADER_ALIASES)})"
            )
        if name in positions:
            raise ImportFileError(f"column {raw!r} appears twice in the header row")
        positions[name] = i
    missing = [c for c in REQUIRED if c not in positions]
    if missing:
        raise ImportFileError(f"header row lacks the column(s) {', '.join(missing)}")
    return positions


# --------------------------------------------------------------------------- checking


def _bare(text: str, suffixes: tuple[str, ...]) -> str:
    for suf in suffixes:
        if text.endswith(suf) and len(text) > len(suf):
            return text[: -len(suf)]
    return text


class Directory:
    """Buildings, units and households by the names a spreadsheet uses for them."""

    def __init__(self, session: Session) -> None:
        self.buildings: dict[str, set[int]] = {}
        for bid, code, name in session.execute(select(Building.id, Building.code, Building.name)):
            for key in {code, name, _bare(name, ("号楼", "栋", "幢"))}:
                self.buildings.setdefault(key, set()).add(bid)
        self.units: dict[tuple[int, str], int] = {}
        for uid, bid, code, name in session.execute(
            select(Unit.id, Unit.building_id, Unit.code, Unit.name)
        ):
            for key in (name, _bare(name, ("单元",)), code):
                self.units[(bid, key)] = uid
        self.households = {
            (u, r): h
            for h, u, r in session.execute(select(Household.id, Household.unit_id, Household.room))
        }
        self.residents = {
            (h, n) for h, n in session.execute(select(Resident.household_id, Resident.name))
        }

    def household(self, building: str, unit: str, room: str) -> tuple[int | None, str, str]:
        """(household id, column, message): the id, or which column failed and why."""
        bids = (
            self.buildings.get(building)
            or self.buildings.get(_bare(building, ("号楼", "栋", "幢")))
            or set()
        )
        if not bids:
            return None, "building", f"no building {building!r}"
        if len(bids) > 1:
            return None, "building", f"building {building!r} is ambiguous across sites"
        bid = next(iter(bids))
        uid = self.units.get((bid, unit)) or self.units.get((bid, _bare(unit, ("单元",))))
        if uid is None:
            return None, "unit", f"no unit {unit!r} in building {building!r}"
        hid = self.households.get((uid, room))
        if hid is None:
            return None, "room", f"no room {room!r} in building {building!r} unit {unit!r}"
        return hid, "", ""


def check_rows(
    table: Table, directory: Directory, tick: Callable[[int], None] | None = None
) -> tuple[list[ResidentRow], list[s.ImportIssue]]:
    """Check every row; returns the good rows and one issue per problem found."""
    pos = map_header(table.header)
    good: list[ResidentRow] = []
    issues: list[s.ImportIssue] = []
    seen: dict[tuple[int, str], int] = {}
    for n, (line, cells) in enumerate(table.rows, 1):
        v = {c: (cells[i] if i < len(cells) else "") for c, i in pos.items()}
        v.setdefault("phone", "")
        v.setdefault("role", "")
        bad = [(c, f"{c} is empty") for c in REQUIRED if not v[c]]
        if len(v["name"]) > 100:
            bad.append(("name", "name is longer than 100 characters"))
        if v["phone"] and not PHONE_RE.match(v["phone"]):
            bad.append(("phone", f"{v['phone']!r} is not a phone number"))
        role = ROLES.get(v["role"].lower())
        if role is None:
            bad.append(("role", f"{v['role']!r} is not one of {', '.join(k for k in ROLES if k)}"))
        hid = None
        if all(v[c] for c in REQUIRED):
            hid, col, msg = directory.household(v["building"], v["unit"], v["room"])
            if hid is None:
                bad.append((col, msg))
            elif (hid, v["name"]) in seen:
                bad.append(
                    (
                        "name",
                        f"{v['name']!r} is already listed for this room in row "
                        f"{seen[(hid, v['name'])]}",
                    )
                )
            else:
                seen[(hid, v["name"])] = line
        issues += [s.ImportIssue(row=line, column=c, message=m) for c, m in bad]
        if not bad and hid is not None and role is not None:
            good.append(ResidentRow(line, hid, v["name"], v["phone"], role))
        if tick is not None:
            tick(n)
    return good, issues


# --------------------------------------------------------------------------- writing


def write_residents(
    ctx: WriteContext, rows: list[ResidentRow], tick: Callable[[int], None]
) -> dict[str, int]:
    """Insert new residents and update the phone and role of known ones."""
    ses = ctx.session
    existing = {
        (r.household_id, r.name): r
        for r in ses.scalars(
            select(Resident).where(Resident.household_id.in_({r.household_id for r in rows}))
        )
    }
    counts = {"created": 0, "updated": 0}
    for n, r in enumerate(rows, 1):
        old = existing.get((r.household_id, r.name))
        if old is None:
            ses.add(Resident(household_id=r.household_id, name=r.name, phone=r.phone, role=r.role))
            counts["created"] += 1
        elif (old.phone, old.role) != (r.phone, r.role):
            old.phone, old.role = r.phone, r.role
            counts["updated"] += 1
        tick(len(rows) + n)
    ses.flush()
    return counts


async def import_residents(
    platform: SitePlatform,
    data: bytes,
    filename: str,
    *,
    actor: str = "system",
    dry_run: bool = False,
    progress: Progress | None = None,
) -> s.ImportReport:
    """Check a residents file and import it all, or nothing when any row is wrong.

    ``progress(done, total)`` counts each row twice, once checked and once written
    (``total`` is twice the row count); it may be called from the writer thread.
    """

    def check() -> tuple[list[ResidentRow], list[s.ImportIssue], Any]:
        table = read_table(data, filename)
        tick = ticker(progress, 2 * len(table.rows))
        with platform.read_session() as session:
            directory = Directory(session)
        good, issues = check_rows(table, directory, tick)
        return good, issues, tick

    good, issues, tick = await asyncio.to_thread(check)
    if issues:
        return s.ImportReport(errors=capped(issues), dry_run=dry_run)
    if not good:
        raise ImportFileError("file has a header row but no residents")
    if dry_run:
        tick(2 * len(good))
        return s.ImportReport(imported=len(good), dry_run=True)

    def job(ctx: WriteContext) -> dict[str, int]:
        counts = write_residents(ctx, good, tick)
        platform.audit.append(
            ctx, actor, "resident.import", filename, {"rows": len(good), **counts}
        )
        return counts

    counts = await platform.writer.run(job)
    return s.ImportReport(imported=len(good), counts=counts)


async def import_residents_file(
    platform: SitePlatform,
    path: Path,
    progress: Progress | None = None,
    *,
    actor: str = "cli",
    dry_run: bool = False,
) -> s.ImportReport:
    """Import a residents file from disk (what ``anfang import residents FILE`` runs)."""

    def read() -> bytes:
        with path.open("rb") as fh:
            data = fh.read(MAX_IMPORT_BYTES + 1)
        check_size(data)
        return data

    data = await asyncio.to_thread(read)
    return await import_residents(
        platform, data, path.name, actor=actor, dry_run=dry_run, progress=progress
    )
