"""A change of engine re-enrols everyone from their stored photos, audited; people
without a usable photo are listed; the index never mixes engines."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select, update

from anfang.app.platform import Platform
from anfang.core.writer import WriteContext
from anfang.face.models import FaceTemplate
from anfang.face.service import FACE, FaceService
from anfang.store.models import AuditEntry
from tests.conftest import make_settings
from tests.face.conftest import photo


async def started(tmp_path: Path, engine: str) -> tuple[Platform, FaceService]:
    plat = Platform(make_settings(tmp_path, face_engine=engine))
    plat.components = [c for c in plat.components if isinstance(c, FaceService)]
    await plat.start()
    svc = plat.capabilities.require(FACE)
    assert isinstance(svc, FaceService)
    return plat, svc


async def test_switching_engines_re_enrols_from_the_photos(tmp_path: Path) -> None:
    plat, dlib = await started(tmp_path, "dlib")
    try:
        for pid, name in (("P1", "Aaron_Peirsol_0001"), ("P2", "AJ_Lamas_0001")):
            await dlib.enroll(photo(name), person_id=pid, name=pid, actor="t")
        await dlib.enroll(photo("Aaron_Eckhart_0001"), person_id="P3", name="P3", actor="t")

        def drop_photo(ctx: WriteContext) -> None:  # an enrolment from before photos were kept
            ctx.session.execute(
                update(FaceTemplate).where(FaceTemplate.id == 3).values(photo_sealed=None)
            )

        await plat.writer.run(drop_photo)
    finally:
        await plat.stop()

    plat, mfn = await started(tmp_path, "mobilefacenet")
    try:
        assert mfn.stale == 3 and len(mfn.index) == 0  # dlib's templates are never indexed
        for _ in range(600):
            if mfn.migration.progress.state != "running":
                break
            await asyncio.sleep(0.05)
        progress = mfn.migration.progress.as_dict()
        assert progress["state"] == "done", progress
        assert (progress["total"], progress["migrated"]) == (3, 2)
        assert progress["unusable"] == [{"person_id": "P3", "name": "P3", "reason": "no_photo"}]
        assert mfn.stale == 1 and len(mfn.index) == 2
        res = await mfn.identify(photo("Aaron_Peirsol_0002"))
        assert res.match is not None and res.match.person_id == "P1"
        with plat.read_session() as s:
            models = sorted(s.scalars(select(FaceTemplate.model)))
            actions = [a for a in s.scalars(select(AuditEntry.action)) if "face." in a]
        assert models == ["dlib-resnet-v1", "faceplugin-mfn-v1", "faceplugin-mfn-v1"]
        assert actions.count("face.reenroll") == 2
        assert "face.migration_start" in actions and "face.migration_done" in actions
        assert not mfn.migration.start(mfn) or mfn.migration.running  # may run again: idempotent
    finally:
        await plat.stop()
