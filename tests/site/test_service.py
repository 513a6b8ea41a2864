"""The site service on SQLite and PostgreSQL: CRUD, rules, conflicts, cascades, audit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.site import reading
from anfang.site import schemas as s
from anfang.site import service as svc
from anfang.store.models import Device, Household, Resident, Unit
from tests.site.helpers import audit_actions, running

ACTOR = "user:tester"


@pytest.fixture
async def plat(tmp_path: Path, db_url: str) -> AsyncIterator[Platform]:
    async with running(tmp_path, db_url) as p:
        yield p


async def _tree(p: Platform) -> dict[str, int]:
    site = await svc.create(p, ACTOR, svc.SITE, s.SiteCreate(code="lotus", name="莲花苑"))
    b = await svc.create(
        p, ACTOR, svc.BUILDING, s.BuildingCreate(code="B1", name="1号楼", floors=6)
    )
    u = await svc.create(
        p, ACTOR, svc.UNIT, s.UnitCreate(building_id=b.model_dump()["id"], code="1", name="1单元")
    )
    h = await svc.create(
        p,
        ACTOR,
        svc.HOUSEHOLD,
        s.HouseholdCreate(unit_id=u.model_dump()["id"], floor=1, room="101"),
    )
    r = await svc.create(
        p,
        ACTOR,
        svc.RESIDENT,
        s.ResidentCreate(household_id=h.model_dump()["id"], name="张伟", phone="13800000001"),
    )
    return {
        k: v.model_dump()["id"]
        for k, v in {"site": site, "building": b, "unit": u, "household": h, "resident": r}.items()
    }


async def test_create_read_list_and_audit(plat: Platform) -> None:
    ids = await _tree(plat)
    with plat.read_session() as ses:
        b = reading.get_row(ses, svc.BUILDING, ids["building"])
        assert isinstance(b, s.BuildingOut) and b.site_id == ids["site"]  # defaulted
        rows, total = reading.list_rows(ses, svc.HOUSEHOLD, {"unit_id": ids["unit"]}, 10, 0)
        assert total == 1 and rows[0].model_dump()["room"] == "101"
        with pytest.raises(svc.NotFound, match="unit 999 not found"):
            reading.get_row(ses, svc.UNIT, 999)
    actions = [(a, t) for who, a, t in audit_actions(plat) if who == ACTOR]
    assert actions == [
        ("site.create", f"site:{ids['site']}"),
        ("building.create", f"building:{ids['building']}"),
        ("unit.create", f"unit:{ids['unit']}"),
        ("household.create", f"household:{ids['household']}"),
        ("resident.create", f"resident:{ids['resident']}"),
    ]


async def test_paging(plat: Platform) -> None:
    await svc.create(plat, ACTOR, svc.SITE, s.SiteCreate(code="x", name="X"))
    for i in range(5):
        await svc.create(plat, ACTOR, svc.BUILDING, s.BuildingCreate(code=f"B{i}", name=f"{i}"))
    with plat.read_session() as ses:
        page, total = reading.list_rows(ses, svc.BUILDING, {}, 2, 3)
    assert total == 5 and [r.model_dump()["code"] for r in page] == ["B3", "B4"]


async def test_conflicts_and_bad_references(plat: Platform) -> None:
    ids = await _tree(plat)
    with pytest.raises(svc.Conflict, match="site code 'lotus' already exists"):
        await svc.create(plat, ACTOR, svc.SITE, s.SiteCreate(code="lotus", name="again"))
    with pytest.raises(svc.Conflict, match=r"room '101' already exists in unit"):
        await svc.create(
            plat, ACTOR, svc.HOUSEHOLD, s.HouseholdCreate(unit_id=ids["unit"], floor=1, room="101")
        )
    with pytest.raises(svc.Invalid) as err:
        await svc.create(plat, ACTOR, svc.UNIT, s.UnitCreate(building_id=77, code="9", name="9"))
    assert err.value.field == "building_id" and "building 77 does not exist" in err.value.message
    b2 = await svc.create(plat, ACTOR, svc.BUILDING, s.BuildingCreate(code="B2", name="2号楼"))
    with pytest.raises(svc.Conflict, match="building code 'B1' already exists"):
        await svc.patch(
            plat, ACTOR, svc.BUILDING, b2.model_dump()["id"], s.BuildingUpdate(code="B1")
        )
    with pytest.raises(svc.NotFound):
        await svc.patch(plat, ACTOR, svc.SITE, 999, s.SiteUpdate(name="n"))


async def test_patch_changes_only_what_is_sent(plat: Platform) -> None:
    ids = await _tree(plat)
    out = await svc.patch(
        plat, ACTOR, svc.BUILDING, ids["building"], s.BuildingUpdate.model_validate({"map_x": 5.5})
    )
    assert out.model_dump()["map_x"] == 5.5 and out.model_dump()["name"] == "1号楼"
    out = await svc.patch(
        plat, ACTOR, svc.BUILDING, ids["building"], s.BuildingUpdate.model_validate({"map_x": None})
    )
    assert out.model_dump()["map_x"] is None
    updates = [t for _, a, t in audit_actions(plat) if a == "building.update"]
    assert updates == [f"building:{ids['building']}"] * 2


async def test_perimeter_zone_rule(plat: Platform) -> None:
    await svc.create(plat, ACTOR, svc.SITE, s.SiteCreate(code="x", name="X"))
    z = await svc.create(
        plat,
        ACTOR,
        svc.ZONE,
        s.ZoneCreate(code="P1", name="north", geometry=[(0, 0), (30, 0), (30, 40)]),
    )
    assert z.model_dump()["length_m"] == 70.0
    with pytest.raises(svc.Invalid) as err:
        await svc.create(plat, ACTOR, svc.ZONE, s.ZoneCreate(code="P2", name="n", length_m=85))
    assert err.value.field == "length_m" and "GB 50394" in err.value.message
    with pytest.raises(svc.Invalid) as err:
        await svc.create(
            plat, ACTOR, svc.ZONE, s.ZoneCreate(code="P3", name="n", geometry=[(0, 0), (100, 0)])
        )
    assert err.value.field == "geometry" and "100.0 m" in err.value.message
    with pytest.raises(svc.Invalid, match="needs length_m or a geometry"):
        await svc.create(plat, ACTOR, svc.ZONE, s.ZoneCreate(code="P4", name="n"))
    zid = z.model_dump()["id"]
    with pytest.raises(svc.Invalid):
        await svc.patch(plat, ACTOR, svc.ZONE, zid, s.ZoneUpdate(geometry=[(0, 0), (0, 71)]))
    out = await svc.patch(plat, ACTOR, svc.ZONE, zid, s.ZoneUpdate(geometry=[(0, 0), (0, 12)]))
    assert out.model_dump()["length_m"] == 12.0  # recomputed from the new line
    big = await svc.create(
        plat,
        ACTOR,
        svc.ZONE,
        s.ZoneCreate(code="CP", name="car park", kind="parking", length_m=300),
    )
    assert big.model_dump()["length_m"] == 300


async def test_delete_building_needs_cascade(plat: Platform) -> None:
    ids = await _tree(plat)
    dev = await svc.create(
        plat,
        ACTOR,
        svc.DEVICE,
        s.DeviceCreate(
            code="DR-1", name="door", type="reader", subsystem="access", unit_id=ids["unit"]
        ),
    )
    assert dev.model_dump()["building_id"] == ids["building"]  # implied by the unit
    with pytest.raises(svc.Conflict, match="still has 1 households"):
        await svc.delete(plat, ACTOR, svc.BUILDING, ids["building"])
    with pytest.raises(svc.Conflict, match="still has 1 residents"):
        await svc.delete(plat, ACTOR, svc.HOUSEHOLD, ids["household"])
    await svc.delete(plat, ACTOR, svc.BUILDING, ids["building"], cascade=True)
    with plat.read_session() as ses:
        assert ses.scalars(select(Unit)).all() == []
        assert ses.scalars(select(Household)).all() == []
        assert ses.scalars(select(Resident)).all() == []
        d = ses.scalars(select(Device)).one()
        assert (d.building_id, d.unit_id) == (None, None)
    assert "building.delete" in [a for _, a, _ in audit_actions(plat)]
    with pytest.raises(svc.NotFound):
        await svc.delete(plat, ACTOR, svc.BUILDING, ids["building"])


async def test_device_secret_and_placement(plat: Platform) -> None:
    ids = await _tree(plat)
    other = await svc.create(plat, ACTOR, svc.SITE, s.SiteCreate(code="other", name="O"))
    oz = await svc.create(
        plat,
        ACTOR,
        svc.ZONE,
        s.ZoneCreate(site_id=other.model_dump()["id"], code="Z", name="z", kind="area"),
    )
    d = await svc.create(
        plat,
        ACTOR,
        svc.DEVICE,
        s.DeviceCreate(
            code="CAM-1",
            name="cam",
            type="camera",
            subsystem="video",
            secret="hunter2",
            expected_interval_s=60,
            map_x=10,
            map_y=20,
        ),
    )
    out = d.model_dump()
    assert "secret" not in out and out["has_secret"] is True and out["state"] == "unknown"
    with pytest.raises(svc.Invalid) as err:
        await svc.patch(
            plat, ACTOR, svc.DEVICE, out["id"], s.DeviceUpdate(zone_id=oz.model_dump()["id"])
        )
    assert err.value.field == "zone_id" and "another site" in err.value.message
    with pytest.raises(svc.Conflict, match="device code 'CAM-1' already exists"):
        await svc.create(
            plat,
            ACTOR,
            svc.DEVICE,
            s.DeviceCreate(code="CAM-1", name="c", type="camera", subsystem="video"),
        )
    await svc.patch(plat, ACTOR, svc.DEVICE, out["id"], s.DeviceUpdate(secret="new"))
    with plat.read_session() as ses:
        assert ses.get(Device, out["id"]).secret == "new"  # type: ignore[union-attr]
        summaries, total = reading.device_summaries(ses, {"subsystem": "video"}, 10, 0)
    assert total == 1 and set(summaries[0].model_dump()) == {
        "id",
        "code",
        "name",
        "type",
        "subsystem",
        "state",
        "last_seen_at",
        "map_x",
        "map_y",
        "zone_id",
        "building_id",
    }
    assert ids["site"] == out["site_id"]


async def test_site_map(plat: Platform) -> None:
    with plat.read_session() as ses, pytest.raises(svc.NotFound, match="import a site file"):
        reading.site_map(ses)
    ids = await _tree(plat)
    await svc.create(plat, ACTOR, svc.ZONE, s.ZoneCreate(code="P1", name="n", length_m=50))
    with plat.read_session() as ses:
        m = reading.site_map(ses)
    assert m.site.id == ids["site"] and [b.code for b in m.buildings] == ["B1"]
    assert [z.code for z in m.zones] == ["P1"]
