"""``anfang face enroll-dir`` against a live server: folder and CSV, per-file report."""

from __future__ import annotations

import asyncio
import csv
import shutil
from pathlib import Path

from typer.testing import CliRunner

from anfang.face.cli import face_app
from anfang.face.service import FaceService
from tests.conftest import ADMIN_PASSWORD
from tests.face.conftest import FIXTURES, no_face


async def test_enroll_dir_with_report(live_server: str, face: FaceService, tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    (folder / "R-7").mkdir(parents=True)
    shutil.copy(FIXTURES / "Aaron_Peirsol_0001.jpg", folder / "R-7" / "a.jpg")
    shutil.copy(FIXTURES / "Aaron_Peirsol_0002.jpg", folder / "R-7" / "b.jpg")
    shutil.copy(FIXTURES / "AJ_Lamas_0001.jpg", folder / "AJ_Lamas.jpg")
    (folder / "empty_wall.jpg").write_bytes(no_face())
    (folder / "notes.txt").write_text("not a photo")
    report = tmp_path / "report.csv"
    args = ["enroll-dir", str(folder), "--url", live_server, "--password", ADMIN_PASSWORD]
    args += ["--report", str(report), "--consent-basis", "signed form"]
    result = await asyncio.to_thread(CliRunner().invoke, face_app, args)
    assert result.exit_code == 1, result.output  # one photo was refused
    rows = {Path(r["file"]).name: r for r in csv.DictReader(report.open())}
    assert set(rows) == {"a.jpg", "b.jpg", "AJ_Lamas.jpg", "empty_wall.jpg"}
    assert rows["empty_wall.jpg"]["status"] == "refused"
    assert rows["empty_wall.jpg"]["reasons"] == "face.none"
    assert rows["a.jpg"]["status"] == rows["b.jpg"]["status"] == "enrolled"
    assert face.people["AJ_Lamas"].name == "AJ Lamas"
    assert len(face.index) == 3 and face.index.people() == 2

    table = tmp_path / "people.csv"
    table.write_text("person_id,name,image,kind\nS-1,保安 张三,photos/AJ_Lamas.jpg,staff\n")
    args = ["enroll-dir", str(table), "--url", live_server, "--password", ADMIN_PASSWORD]
    args += ["--report", str(tmp_path / "r2.csv")]
    result = await asyncio.to_thread(CliRunner().invoke, face_app, args)
    assert result.exit_code == 0, result.output
    assert face.people["S-1"].kind == "staff" and face.people["S-1"].name == "保安 张三"


def test_csv_without_required_columns_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "people.csv"
    bad.write_text("id,photo\n1,a.jpg\n")
    result = CliRunner().invoke(face_app, ["enroll-dir", str(bad), "--password", "x"])
    assert result.exit_code != 0
    assert "missing columns image, name, person_id" in result.output


async def test_migrate_follows_the_re_enrolment(
    live_server: str, face: FaceService, tmp_path: Path
) -> None:
    from sqlalchemy import update

    from anfang.core.writer import WriteContext
    from anfang.face.models import FaceTemplate
    from tests.face.conftest import photo

    await face.enroll(photo("Aaron_Peirsol_0001"), person_id="R-1", name="R1", actor="t")
    await face.enroll(photo("AJ_Lamas_0001"), person_id="R-2", name="R2", actor="t")

    def age(ctx: WriteContext) -> None:  # as if both were enrolled by the dlib engine
        ctx.session.execute(update(FaceTemplate).values(model="dlib-resnet-v1"))
        ctx.session.execute(
            update(FaceTemplate).where(FaceTemplate.id == 2).values(photo_sealed=None)
        )

    await face.platform.writer.run(age)
    face.index.remove_person("R-1")
    face.index.remove_person("R-2")
    report = tmp_path / "unusable.csv"
    args = ["migrate", "--url", live_server, "--password", ADMIN_PASSWORD, "--report", str(report)]
    result = await asyncio.to_thread(CliRunner().invoke, face_app, args)
    assert result.exit_code == 1, result.output  # one person must be photographed again
    assert "1 of 2 re-enrolled, 1 without a usable photo" in result.output
    rows = list(csv.DictReader(report.open(encoding="utf-8")))
    assert rows == [{"person_id": "R-2", "name": "R2", "reason": "no_photo"}]
    assert [h.person_id for h in face.index.search(face.index._x[0], 1)] == ["R-1"]
