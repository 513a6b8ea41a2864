"""The face service directly: residents moving out, PostgreSQL, liveness verdicts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.core.writer import WriteContext
from anfang.face.engine import FaceEngine
from anfang.face.models import FacePerson, FaceTemplate
from anfang.face.reasons import FaceRefused
from anfang.face.results import FaceError
from anfang.face.service import FACE, FaceService, liveness_passed
from anfang.store.models import AuditEntry, Building, Household, Resident, Site, Unit
from tests.conftest import make_settings
from tests.face.conftest import photo


async def add_resident(platform: Platform) -> int:
    def job(ctx: WriteContext) -> int:
        s = ctx.session
        site = Site(code="S1", name="小区")
        s.add(site)
        s.flush()
        b = Building(site_id=site.id, code="1", name="1号楼")
        s.add(b)
        s.flush()
        u = Unit(building_id=b.id, code="1", name="1单元")
        s.add(u)
        s.flush()
        h = Household(unit_id=u.id, floor=3, room="301")
        s.add(h)
        s.flush()
        r = Resident(household_id=h.id, name="王芳")
        s.add(r)
        s.flush()
        return r.id

    rid: int = await platform.writer.run(job)
    return rid


async def test_moving_out_erases_face_data(face: FaceService, platform: Platform) -> None:
    rid = await add_resident(platform)
    with pytest.raises(FaceError):
        await face.enroll(
            photo("AJ_Lamas_0001"), person_id="x", name="x", actor="t", resident_id=999
        )
    await face.enroll(
        photo("AJ_Lamas_0001"), person_id="R-301", name="王芳", actor="t", resident_id=rid
    )
    assert await face.erase_resident(rid, actor="user:admin") == ["R-301"]
    assert len(face.index) == 0

    # Removing the resident from the site model takes the face data along (cascade);
    # the service then forgets them and records that it happened.
    rid2 = await add_resident_again(platform)
    await face.enroll(
        photo("AJ_Lamas_0001"), person_id="R-302", name="王芳", actor="t", resident_id=rid2
    )

    def remove(ctx: WriteContext) -> None:
        ctx.session.delete(ctx.session.get(Resident, rid2))

    await platform.writer.run(remove)
    with platform.read_session() as s:
        assert s.scalars(select(FaceTemplate)).all() == []
        assert s.scalars(select(FacePerson)).all() == []
    from anfang.face import people

    assert await people.reconcile(face) == ["R-302"]
    assert "R-302" not in face.people and len(face.index) == 0
    with platform.read_session() as s:
        erased = s.scalars(select(AuditEntry).where(AuditEntry.action == "face.erase")).all()
    assert [(e.actor, e.target) for e in erased] == [("user:admin", "R-301"), ("system", "R-302")]


async def add_resident_again(platform: Platform) -> int:
    def job(ctx: WriteContext) -> int:
        h = ctx.session.scalars(select(Household)).first()
        assert h is not None
        r = Resident(household_id=h.id, name="李雷")
        ctx.session.add(r)
        ctx.session.flush()
        return r.id

    rid: int = await platform.writer.run(job)
    return rid


@pytest.fixture
async def any_db_face(
    db_url: str, tmp_path: Path, face_engine: FaceEngine
) -> AsyncIterator[FaceService]:
    plat = Platform(make_settings(tmp_path, database_url=db_url))
    plat.components = [c for c in plat.components if isinstance(c, FaceService)]
    await plat.start()
    svc = plat.capabilities.require(FACE)
    assert isinstance(svc, FaceService)
    svc.use_engine(face_engine)
    try:
        yield svc
    finally:
        await plat.stop()


async def test_enrol_reload_identify_erase_on_each_database(any_db_face: FaceService) -> None:
    face = any_db_face
    done = await face.enroll(photo("Aaron_Peirsol_0001"), person_id="P1", name="甲", actor="t")
    assert done.person.templates == 1
    await face.enroll(photo("AJ_Lamas_0001"), person_id="P2", name="乙", actor="t", kind="staff")
    await face.stop()
    await face.start()  # reloads the index from the database
    assert len(face.index) == 2
    res = await face.identify(photo("Aaron_Peirsol_0002"))
    assert res.match is not None and res.match.person_id == "P1"
    assert res.runner_up is not None and res.match.similarity - res.runner_up >= face.config.margin
    assert await face.erase("P1", actor="t") == {"templates": 1, "snapshots": 0}
    assert (await face.identify(photo("Aaron_Peirsol_0002"))).match is None


def test_liveness_verdicts() -> None:
    assert liveness_passed(None, 0.5) is None
    assert liveness_passed("PASS", 0.5) is True
    assert liveness_passed("fail", 0.5) is False
    assert liveness_passed(False, 0.5) is False
    assert liveness_passed("0.71", 0.5) is True
    assert liveness_passed("0.2", 0.5) is False
    assert liveness_passed("maybe", 0.5) is None


async def test_refusal_is_a_value_error(face: FaceService) -> None:
    with pytest.raises(ValueError) as info:
        await face.identify(b"not an image")
    assert isinstance(info.value, FaceRefused)
    assert info.value.reasons[0].code == "image.not_image"


async def test_all_faces_finds_a_watched_face_beside_a_larger_one(face: FaceService) -> None:
    from PIL import Image

    from tests.face.conftest import FIXTURES, jpeg

    big = Image.open(FIXTURES / "Aaron_Peirsol_0001.jpg").resize((300, 300))
    small = Image.open(FIXTURES / "AJ_Lamas_0001.jpg")
    scene = Image.new("RGB", (480, 300), (90, 90, 90))
    scene.paste(big, (0, 0))
    scene.paste(small, (320, 60))
    capture = jpeg(scene)
    await face.enroll(photo("AJ_Lamas_0001"), person_id="W-2", name="W", actor="t", kind="watch")
    from anfang.face import people

    await people.set_watch(face, "W-2", "police", 1, "", actor="t")
    plain = await face.identify(capture)
    assert plain.faces == 2 and plain.match is None and plain.watchlist is None
    scanned = await face.identify(capture, all_faces=True, door="east gate")
    assert scanned.match is None  # the largest face is nobody known
    assert scanned.watchlist is not None and scanned.watchlist["person_id"] == "W-2"
    assert scanned.event_id is not None


async def test_server_side_liveness_by_setting(face: FaceService) -> None:
    """Scored when the terminal sends no verdict; enforced only when asked to."""
    import dataclasses

    res = await face.identify(photo("Aaron_Peirsol_0002"))
    assert res.liveness is not None and 0 <= res.liveness <= 1
    assert (await face.identify(photo("Aaron_Peirsol_0002"), liveness="pass")).liveness is None
    base = face.config
    try:
        face.config = dataclasses.replace(base, liveness="enforce", liveness_min_score=1.01)
        with pytest.raises(FaceRefused) as info:
            await face.identify(photo("Aaron_Peirsol_0002"))
        assert info.value.reasons[0].code == "liveness.server_fail"
        face.config = dataclasses.replace(base, liveness="off")
        assert (await face.identify(photo("Aaron_Peirsol_0002"))).liveness is None
    finally:
        face.config = base


async def test_a_watch_hit_needs_the_stricter_similarity(face: FaceService) -> None:
    """A match good enough for a gate is not a watch-list alarm below the watch point."""
    import dataclasses

    from anfang.face import people

    await face.enroll(photo("Aaron_Peirsol_0001"), person_id="W-3", name="W", actor="t")
    await people.set_watch(face, "W-3", "police", 1, "", actor="t")
    base = face.config
    try:
        strict = dataclasses.replace(base.point, watch=0.999)
        face.config = dataclasses.replace(base, point=strict)
        res = await face.identify(photo("Aaron_Peirsol_0002"))
        assert res.match is not None and res.watchlist is None
        face.config = base
        res = await face.identify(photo("Aaron_Peirsol_0002"))
        assert res.watchlist is not None and res.watchlist["person_id"] == "W-3"
    finally:
        face.config = base


async def test_enrolment_ignores_small_faces_in_the_background(face: FaceService) -> None:
    from PIL import Image

    from tests.face.conftest import FIXTURES, jpeg

    main = Image.open(FIXTURES / "Aaron_Peirsol_0001.jpg").resize((400, 400))
    passer_by = Image.open(FIXTURES / "AJ_Lamas_0001.jpg").resize((90, 90))
    scene = Image.new("RGB", (520, 400), (90, 90, 90))
    scene.paste(main, (0, 0))
    scene.paste(passer_by, (420, 10))
    assert len((await face.analyse(jpeg(scene), describe=0)).faces) == 2  # both are seen
    done = await face.enroll(jpeg(scene), person_id="R-bg", name="R", actor="t")
    assert done.person.templates == 1
