"""Site file import on SQLite and PostgreSQL: the documented example, re-import, refusals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from anfang.app.platform import Platform
from anfang.site.importer import (
    MAX_IMPORT_BYTES,
    ImportFileError,
    import_site,
    import_site_file,
    parse_site_file,
)
from anfang.store.models import Building, Device, Household, Site, Unit, Zone
from tests.site.helpers import audit_actions, doc_block, running

EXAMPLE = doc_block("yaml")


@pytest.fixture
async def plat(tmp_path: Path, db_url: str) -> AsyncIterator[Platform]:
    async with running(tmp_path, db_url) as p:
        yield p


def _count(plat: Platform, model: type[object]) -> int:
    with plat.read_session() as ses:
        return int(ses.execute(select(func.count()).select_from(model)).scalar() or 0)


async def test_documented_example_imports(plat: Platform, tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(EXAMPLE, encoding="utf-8")
    calls: list[tuple[int, int]] = []
    report = await import_site_file(plat, path, lambda d, t: calls.append((d, t)))
    assert report.errors == []
    # B1: 2 units, 18 floors, 2 + 3 rooms; B2: 1 unit, floors 2..6, 2 rooms
    assert report.counts == {
        "sites": 1,
        "buildings": 3,
        "units": 3,
        "households": 18 * 2 + 18 * 3 + 5 * 2,
        "zones": 3,
        "devices": 3,
    }
    assert calls and calls[-1][0] == calls[-1][1] and calls == sorted(calls)
    with plat.read_session() as ses:
        rooms = set(ses.scalars(select(Household.room)))
        assert {"101", "1802", "1803", "201", "602"} <= rooms and "102" in rooms
        cam = ses.scalars(select(Device).where(Device.code == "CAM-N01")).one()
        gate = ses.scalars(select(Building).where(Building.code == "GATE-N")).one()
        assert (cam.building_id, cam.secret, cam.protocol) == (gate.id, "change-me", "rtsp")
        p01 = ses.scalars(select(Zone).where(Zone.code == "P01")).one()
        assert p01.length_m == 65.0 and p01.geometry == [[0.0, 0.0], [65.0, 0.0]]
        reader = ses.scalars(select(Device).where(Device.code == "DR-B1-1")).one()
        unit = ses.get(Unit, reader.unit_id)
        assert unit is not None and unit.name == "1单元"
    assert ("cli", "site.import", "site:lotus-garden") in audit_actions(plat)


async def test_reimport_updates_and_keeps(plat: Platform) -> None:
    assert (await import_site(plat, EXAMPLE.encode())).errors == []
    doc = yaml.safe_load(EXAMPLE)
    doc["site"]["name"] = "莲花苑二期"
    doc["buildings"][0]["floors"] = 19
    del doc["devices"][1]["secret"]
    report = await import_site(plat, yaml.safe_dump(doc, allow_unicode=True).encode())
    assert report.errors == []
    assert _count(plat, Site) == 1 and _count(plat, Device) == 3
    assert _count(plat, Household) == 19 * 2 + 19 * 3 + 5 * 2  # floor 19 added, none twice
    with plat.read_session() as ses:
        assert ses.scalars(select(Site.name)).one() == "莲花苑二期"
        cam = ses.scalars(select(Device).where(Device.code == "CAM-N01")).one()
        assert cam.secret == "change-me"  # left out of the file: kept


async def test_bad_file_imports_nothing(plat: Platform) -> None:
    doc = yaml.safe_load(EXAMPLE)
    doc["zones"][1]["geometry"] = [[65, 0], [165, 0]]
    doc["zones"].append({"code": "P01", "name": "dup", "length_m": 10})
    doc["devices"][0]["zone"] = "NOPE"
    doc["devices"][2]["unit"] = "9"
    report = await import_site(plat, yaml.safe_dump(doc).encode())
    where = {(e.column, e.message.split(" ")[0]) for e in report.errors}
    assert ("zones.1.geometry", "perimeter") in where
    assert ("zones.3.code", "zone") in where
    assert ("devices.0.zone", "zone") in where
    assert ("devices.2.unit", "unit") in where
    assert report.imported == 0 and _count(plat, Site) == 0 and _count(plat, Household) == 0


async def test_schema_errors_name_the_path(plat: Platform) -> None:
    doc = yaml.safe_load(EXAMPLE)
    doc["buildings"][0]["units"][0]["colour"] = "red"
    doc["devices"][0]["subsystem"] = "laser"
    doc["zones"][0]["length_m"] = 90
    report = await import_site(plat, yaml.safe_dump(doc).encode())
    paths = {e.column for e in report.errors}
    assert {"buildings.0.units.0.colour", "devices.0.subsystem"} <= paths
    assert _count(plat, Site) == 0


async def test_device_code_of_another_site(plat: Platform) -> None:
    assert (await import_site(plat, EXAMPLE.encode())).errors == []
    doc = yaml.safe_load(EXAMPLE)
    doc["site"]["code"] = "other"
    report = await import_site(plat, yaml.safe_dump(doc).encode())
    assert any("already used by another site" in e.message for e in report.errors)
    assert _count(plat, Site) == 1


async def test_dry_run_writes_nothing(plat: Platform) -> None:
    report = await import_site(plat, EXAMPLE.encode(), dry_run=True)
    assert report.dry_run and report.errors == [] and report.imported > 0
    assert _count(plat, Site) == 0


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        (b"", 422, "empty"),
        (b"  \n", 422, "empty"),
        (b"site: {code: x, name: \xff}", 422, "not UTF-8"),
        (b"site: [unclosed", 422, "line 1"),
        (b"- just a list", 422, "mapping"),
        (b"#" * (MAX_IMPORT_BYTES + 1), 413, "10 MB"),
    ],
)
def test_unreadable_files(data: bytes, status: int, message: str) -> None:
    with pytest.raises(ImportFileError) as err:
        parse_site_file(data)
    assert err.value.status == status and message in err.value.message
