"""The simulated terminals: configured through the API, they present faces (real photos)
and cards over the signed HTTP interface and the platform decides."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.face.service import FACE
from anfang.sim.community import DemoCommunity, build_demo_site
from anfang.sim.demo import seed_if_empty
from anfang.store.models import EventRow
from anfang.subsystems import SimContext
from anfang.subsystems.access import sim_setup
from anfang.subsystems.access.sim import make_demo_terminals
from tests.subsystems.access.conftest import until


def small_community() -> DemoCommunity:
    """Building 1 with its unit doors, the south pedestrian gate, and their residents."""
    full = build_demo_site()
    site = dict(full.site_file)
    site["buildings"] = full.site_file["buildings"][:1]
    name, code = site["buildings"][0]["name"], site["buildings"][0]["code"]
    site["devices"] = [
        d for d in full.devices if d.get("building") == code or d["code"] == "GATE-S-P1"
    ]
    site["zones"] = []
    return DemoCommunity(site, [r for r in full.residents if r.building == name], [])


def test_photo_sets_of_the_packaged_faces() -> None:
    people, strangers = sim_setup.photo_sets(sim_setup.PACKAGED_FACES)
    assert [len(p) for p in people] == [2, 2, 2] and len(strangers) == 2


async def test_terminals_drive_real_decisions(
    platform: Platform, live_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANFANG_FACES_DIR", str(sim_setup.PACKAGED_FACES))
    community = small_community()
    assert await seed_if_empty(platform, community)
    ctx = SimContext(
        kernel=platform, settings=platform.settings, base_url=live_server,
        host="127.0.0.1", community=community, rate=40.0, work_dir=tmp_path / "sim",
    )  # fmt: skip
    sim = make_demo_terminals(ctx)
    await sim.start()

    def seen() -> set[tuple[str, str]]:
        with platform.read_session() as s:
            rows = s.scalars(select(EventRow).where(EventRow.kind.like("access.%")))
            return {(e.kind, e.payload.get("credential", "")) for e in rows}

    want = {("access.granted", "card"), ("access.denied", "card")}
    if FACE in platform.capabilities:
        want.add(("access.granted", "face"))  # a resident's other photo recognised
    try:
        # Generous: real face enrolment and identification share two busy cores in CI.
        await until(lambda: want <= seen(), timeout_s=120, step_s=0.2)
    finally:
        await sim.stop()
    assert sim.terminals and set(sim.answers) == {"200"}, sim.answers
