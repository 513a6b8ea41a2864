"""The face API end to end on real photos: enrol, identify, refuse, watch lists, search
with a reason, erasure, sealed storage, permissions."""

from __future__ import annotations

from typing import Any

import httpx
import numpy as np
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.core.secretbox import SecretError
from anfang.face import store
from anfang.face.models import FacePerson, FaceSnapshot, FaceTemplate
from anfang.face.service import FaceService
from anfang.store.models import Alarm, AuditEntry, EventRow
from tests.conftest import auth, login
from tests.face.conftest import blurred, huge_png, no_face, photo, tiny_face, two_faces

PEIRSOL_1, PEIRSOL_2 = photo("Aaron_Peirsol_0001"), photo("Aaron_Peirsol_0002")
LAMAS, ECKHART = photo("AJ_Lamas_0001"), photo("Aaron_Eckhart_0001")


async def enroll(
    client: httpx.AsyncClient, token: str, person_id: str, image: bytes, **form: Any
) -> httpx.Response:
    data = {"person_id": person_id, "name": form.pop("name", person_id), **form}
    files = {"image": ("p.jpg", image, "image/jpeg")}
    return await client.post("/api/v1/face/enroll", data=data, files=files, headers=auth(token))


async def identify(
    client: httpx.AsyncClient, token: str, image: bytes, **form: Any
) -> httpx.Response:
    files = {"image": ("c.jpg", image, "image/jpeg")}
    return await client.post("/api/v1/face/identify", data=form, files=files, headers=auth(token))


def audit(platform: Platform, action: str) -> list[AuditEntry]:
    with platform.read_session() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def refused(value: str) -> float:
    return REGISTRY.get_sample_value("anfang_face_refusals_total", {"reason": value}) or 0.0


async def test_enrol_then_identify_same_and_other_person(
    app_client: httpx.AsyncClient, admin_token: str, face: FaceService, platform: Platform
) -> None:
    r = await enroll(app_client, admin_token, "R-101", PEIRSOL_1, name="Aaron Peirsol",
                     consent_basis="written consent", kind="resident")  # fmt: skip
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["person"]["consent"]["basis"] == "written consent"
    assert body["person"]["consent"]["by"] == "user:admin"
    assert body["person"]["templates"] == 1
    assert body["quality"]["face_px"] >= 60

    r = await identify(app_client, admin_token, PEIRSOL_2)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["faces"] == 1
    assert got["match"]["person_id"] == "R-101"
    assert got["match"]["name"] == "Aaron Peirsol"
    assert got["threshold"] <= got["match"]["similarity"] <= 1
    assert got["liveness"] is not None and 0 <= got["liveness"] <= 1  # scored by the server

    r = await identify(app_client, admin_token, LAMAS)
    assert r.json()["match"] is None and r.json()["faces"] == 1
    assert r.json()["similarity"] < r.json()["threshold"]
    r = await identify(app_client, admin_token, no_face())
    assert r.json() == r.json() | {"match": None, "faces": 0}
    assert len(audit(platform, "face.identify")) == 3
    assert len(audit(platform, "face.enroll")) == 1

    # Stored sealed: the row holds no plain floats and opens only for its person.
    with platform.read_session() as s:
        t = s.scalars(select(FaceTemplate)).one()
    raw = platform.secrets.open(t.descriptor_sealed, store.template_purpose("R-101"))
    assert raw not in t.descriptor_sealed and len(raw) == 512 * 4
    assert t.model == face.engine_model == "faceplugin-mfn-v1"
    with pytest.raises(SecretError):
        platform.secrets.open(t.descriptor_sealed, store.template_purpose("R-102"))
    assert t.photo_sealed is not None and len(t.photo_sealed) < 20_000

    # A fresh index loaded from the database finds the same person.
    again = FaceService(platform, face.config, face.engine)
    await again.start()
    assert len(again.index) == 1 and again.people["R-101"].name == "Aaron Peirsol"
    assert (await again.identify(PEIRSOL_2)).match is not None


@pytest.mark.parametrize(
    ("image", "status", "code"),
    [
        (no_face(), 422, "face.none"),
        (two_faces(), 422, "face.many"),
        (tiny_face(), 422, "face.too_small"),
        (blurred("Aaron_Peirsol_0001", 2.5), 422, "face.blurry"),
        (PEIRSOL_1[:3000], 422, "image.broken"),
        (b"GIF89a not really", 422, "image.not_image"),
        (b"%PDF-1.4 a document", 422, "image.not_image"),
        (huge_png(), 413, "image.too_many_pixels"),
    ],
)
async def test_enrolment_refusals_are_clear_and_counted(
    app_client: httpx.AsyncClient,
    admin_token: str,
    face: FaceService,
    image: bytes,
    status: int,
    code: str,
) -> None:
    before = refused(code)
    r = await enroll(app_client, admin_token, "X-1", image)
    assert r.status_code == status, r.text
    reasons = r.json()["reasons"]
    assert code in [x["code"] for x in reasons]
    assert all(x["zh"] and x["en"] for x in reasons)
    assert refused(code) == before + 1
    assert len(face.index) == 0


async def test_upload_over_the_limit_is_413(
    app_client: httpx.AsyncClient, admin_token: str, face: FaceService
) -> None:
    from dataclasses import replace

    face.config = replace(face.config, limits=replace(face.config.limits, max_bytes=4000))
    r = await identify(app_client, admin_token, PEIRSOL_1)
    assert r.status_code == 413
    assert r.json()["reasons"][0]["code"] == "image.too_large"


async def test_liveness_fail_is_refused(
    app_client: httpx.AsyncClient, admin_token: str, face: FaceService
) -> None:
    r = await identify(app_client, admin_token, PEIRSOL_1, liveness="fail")
    assert r.status_code == 422 and r.json()["reasons"][0]["code"] == "liveness.fail"
    r = await identify(app_client, admin_token, PEIRSOL_1, liveness="0.2")
    assert r.status_code == 422
    r = await identify(app_client, admin_token, PEIRSOL_1, liveness="0.93")
    assert r.status_code == 200


async def test_watch_list_hit_raises_alarm_with_snapshot(
    app_client: httpx.AsyncClient, admin_token: str, face: FaceService, platform: Platform
) -> None:
    assert (await enroll(app_client, admin_token, "W-1", ECKHART, kind="watch",
                         consent_basis="police request")).status_code == 201  # fmt: skip
    r = await app_client.put(
        "/api/v1/face/people/W-1/watch",
        json={"list": "police", "priority": 1, "note": "wanted"},
        headers=auth(admin_token),
    )
    assert r.status_code == 200 and r.json()["watch_list"] == "police"
    lists = await app_client.get("/api/v1/face/watch-lists", headers=auth(admin_token))
    assert [p["person_id"] for p in lists.json()] == ["W-1"]

    res = await face.identify(ECKHART, source="gate-1", door="east gate")
    assert res.match is not None and res.watchlist is not None
    assert res.watchlist["list"] == "police"
    with platform.read_session() as s:
        event = s.get(EventRow, res.event_id)
        alarm = s.scalars(select(Alarm).where(Alarm.kind == "face.watchlist_hit")).one()
    assert event is not None and event.payload["person_id"] == "W-1"
    assert event.payload["door"] == "east gate"
    assert alarm.priority == 1
    url = event.media[0]["url"]
    snap = await app_client.get(url, headers=auth(admin_token))
    assert snap.status_code == 200 and snap.content == ECKHART
    assert audit(platform, "face.snapshot_view")[0].target == event.media[0]["id"]


async def test_stranger_event_when_asked(face: FaceService, platform: Platform) -> None:
    res = await face.identify(LAMAS, source="unit-3-1", door="3-1", record_stranger=True)
    assert res.match is None and res.event_id is not None
    with platform.read_session() as s:
        event = s.get(EventRow, res.event_id)
    assert event is not None and event.kind == "face.stranger"
    assert event.payload["door"] == "3-1"


async def test_operator_search_needs_a_reason_and_is_audited(
    app_client: httpx.AsyncClient, admin_token: str, face: FaceService, platform: Platform
) -> None:
    await enroll(app_client, admin_token, "R-1", PEIRSOL_1)
    await enroll(app_client, admin_token, "R-2", LAMAS)
    files = {"image": ("c.jpg", PEIRSOL_2, "image/jpeg")}
    h = auth(admin_token)
    r = await app_client.post("/api/v1/face/search", files=files, headers=h)
    assert r.status_code == 422
    r = await app_client.post(
        "/api/v1/face/search",
        data={
            "reason": "police case 2026-117",
            "k": "2",
            "unit": "园区派出所",
            "requester": "李警官",
        },
        files=files,
        headers=h,
    )
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["person_id"] for x in results] == ["R-1", "R-2"]
    entry = audit(platform, "face.search")[-1]
    assert entry.detail["reason"] == "police case 2026-117"
    assert (entry.detail["unit"], entry.detail["requester"]) == ("园区派出所", "李警官")
    assert entry.detail["results"] == ["R-1", "R-2"]


async def test_erasure_removes_everything_but_the_fact(
    app_client: httpx.AsyncClient, admin_token: str, face: FaceService, platform: Platform
) -> None:
    await enroll(app_client, admin_token, "R-9", PEIRSOL_1, name="Aaron Peirsol")
    await enroll(app_client, admin_token, "R-9", PEIRSOL_2, name="Aaron Peirsol")
    assert len(face.index) == 2
    r = await app_client.delete(
        "/api/v1/face/people/R-9?reason=moved out", headers=auth(admin_token)
    )
    assert r.status_code == 200 and r.json()["templates"] == 2
    assert len(face.index) == 0
    with platform.read_session() as s:
        assert s.scalars(select(FacePerson)).all() == []
        assert s.scalars(select(FaceTemplate)).all() == []
        assert s.scalars(select(FaceSnapshot)).all() == []
    entry = audit(platform, "face.erase")[0]
    assert entry.target == "R-9"
    assert "Aaron" not in str(entry.detail)
    assert (await identify(app_client, admin_token, PEIRSOL_2)).json()["match"] is None
    r = await app_client.delete("/api/v1/face/people/R-9", headers=auth(admin_token))
    assert r.status_code == 404


async def test_permissions(
    app_client: httpx.AsyncClient, admin_token: str, platform: Platform
) -> None:
    await platform.users.create("op", "op-password-1", "operator", "test")
    op = await login(app_client, "op", "op-password-1")
    assert (await enroll(app_client, op, "R-5", PEIRSOL_1)).status_code == 403
    assert (await identify(app_client, op, PEIRSOL_1)).status_code == 403
    r = await app_client.get("/api/v1/face/people", headers=auth(op))
    assert r.status_code == 200


async def test_verify_one_to_one(
    app_client: httpx.AsyncClient, admin_token: str, face: FaceService, platform: Platform
) -> None:
    await enroll(app_client, admin_token, "V-1", PEIRSOL_1, kind="visitor")

    async def verify(image: bytes, person: str) -> httpx.Response:
        files = {"image": ("c.jpg", image, "image/jpeg")}
        return await app_client.post(
            "/api/v1/face/verify", data={"person_id": person}, files=files,
            headers=auth(admin_token),
        )  # fmt: skip

    r = await verify(PEIRSOL_2, "V-1")
    assert r.status_code == 200, r.text
    assert r.json()["verified"] is True and r.json()["similarity"] >= r.json()["threshold"]
    r = await verify(LAMAS, "V-1")
    assert r.json()["verified"] is False
    r = await verify(no_face(), "V-1")
    assert r.json() == r.json() | {"verified": False, "faces": 0, "similarity": None}
    assert (await verify(PEIRSOL_2, "V-404")).status_code == 404
    r = await verify(b"%PDF-1.4", "V-1")
    assert r.status_code == 422 and r.json()["reasons"][0]["code"] == "image.not_image"
    assert [e.target for e in audit(platform, "face.verify")] == ["V-1"] * 3


async def test_grey_cmyk_and_rotated_photos_are_recognised(
    app_client: httpx.AsyncClient, admin_token: str, face: FaceService
) -> None:
    import io

    from PIL import Image

    await enroll(app_client, admin_token, "R-7", PEIRSOL_1)
    img = Image.open(io.BytesIO(PEIRSOL_2))

    def encoded(im: Image.Image, **kw: Any) -> bytes:
        out = io.BytesIO()
        im.save(out, "JPEG", **kw)
        return out.getvalue()

    rotated = img.rotate(90, expand=True)  # stored sideways, as phones do, with the tag
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    for data in (
        encoded(img.convert("L")),
        encoded(img.convert("CMYK")),
        encoded(rotated, exif=exif.tobytes()),
    ):
        r = await identify(app_client, admin_token, data)
        assert r.status_code == 200, r.text
        assert r.json()["match"] is not None and r.json()["match"]["person_id"] == "R-7"


def test_descriptor_is_stable_in_a_worker(face_engine: Any) -> None:
    import asyncio

    a = asyncio.run(face_engine.analyse(PEIRSOL_1))
    b = asyncio.run(face_engine.analyse(PEIRSOL_1))
    assert np.array_equal(a.faces[0].vector, b.faces[0].vector)
