"""1:1 verification and operator search, directly on the service."""

from __future__ import annotations

import pytest

from anfang.face import lookup
from anfang.face.results import FaceError
from anfang.face.service import FaceService
from tests.face.conftest import no_face, photo


async def test_verify_against_one_person(face: FaceService) -> None:
    await face.enroll(photo("Aaron_Peirsol_0001"), person_id="V-1", name="V", actor="t")
    await face.enroll(photo("AJ_Lamas_0001"), person_id="V-2", name="W", actor="t")
    same = await lookup.verify(face, photo("Aaron_Peirsol_0002"), "V-1")
    assert same.verified and same.similarity is not None and same.similarity >= same.threshold
    other = await lookup.verify(face, photo("Aaron_Peirsol_0002"), "V-2")
    assert not other.verified  # the right face, the wrong pass
    empty = await lookup.verify(face, no_face(), "V-1")
    assert (empty.verified, empty.faces, empty.similarity) == (False, 0, None)
    with pytest.raises(FaceError) as info:
        await lookup.verify(face, photo("Aaron_Peirsol_0002"), "nobody")
    assert info.value.status == 404


async def test_search_needs_a_reason(face: FaceService) -> None:
    with pytest.raises(FaceError) as info:
        await lookup.search(face, photo("AJ_Lamas_0001"), actor="t", reason="  ")
    assert info.value.status == 422
    faces, found = await lookup.search(face, photo("AJ_Lamas_0001"), actor="t", reason="case 1")
    assert faces == 1 and found == []
