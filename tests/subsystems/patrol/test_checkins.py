"""Check-ins through the signed HTTP push interface: each recorded once with its verdict,
bad ones counted with a reason, an SOS a P1 alarm naming the guard."""

from __future__ import annotations

from prometheus_client import REGISTRY
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.store.models import Alarm, EventRow
from anfang.subsystems.patrol.models import PatrolCheckin
from tests.subsystems.patrol.conftest import Tour, swipe


def counted(verdict: str) -> float:
    return REGISTRY.get_sample_value("anfang_patrol_checkins_total", {"verdict": verdict}) or 0.0


async def test_each_check_in_is_recorded_once_with_its_verdict(
    platform: Platform, tour: Tour
) -> None:
    before = {v: counted(v) for v in ("ok", "unknown_tag", "malformed", "future", "too_old")}
    batch = (
        ("s-1", swipe(1), 0.5),
        ("s-2", swipe(2, guard="G01"), 5.5),
        ("s-3", swipe(3, tag="04a2-0000-99"), 7),  # a tag no checkpoint has
        ("s-4", {"tag_kind": "rfid"}, 8),
        ("s-5", swipe(4), 60 * 24 * 40 * -1),  # 40 days before the round
        ("s-6", swipe(4), 120),  # 90 minutes in the future
    )
    r = await tour.push(*batch)
    assert r.status_code == 200, r.text
    again = await tour.push(*batch[:2])  # the reader uploads its memory again
    assert [a["duplicate"] for a in again.json()["accepted"]] == [True, True]
    with platform.read_session() as s:
        rows = {c.event_id: c for c in s.scalars(select(PatrolCheckin))}
        unknown = s.scalars(select(EventRow).where(EventRow.kind == "patrol.unknown_tag")).all()
    assert len(rows) == 6
    by_id = {c.tag if c.tag else "-": c for c in rows.values()}
    assert by_id["04A2000001"].verdict == "ok" and by_id["04A2000001"].guard == "G01"
    assert by_id["04A2000099"].verdict == "unknown_tag"
    assert by_id["-"].verdict == "malformed" and "tag is required" in by_id["-"].reason
    verdicts = sorted(c.verdict for c in rows.values())
    assert verdicts == ["future", "malformed", "ok", "ok", "too_old", "unknown_tag"]
    assert [e.payload["tag"] for e in unknown] == ["04A2000099"]
    assert counted("ok") - before["ok"] == 2 and counted("future") - before["future"] == 1
    r = await tour.client.get(
        "/api/v1/patrol/checkins", params={"verdict": "unknown_tag"}, headers=tour.headers
    )
    assert [c["tag"] for c in r.json()] == ["04A2000099"]


async def test_a_check_in_names_the_checkpoint_in_the_event(platform: Platform, tour: Tour) -> None:
    await tour.push(("s-1", swipe(2), 1))
    with platform.read_session() as s:
        ev = s.scalars(select(EventRow).where(EventRow.kind == "patrol.checkpoint")).one()
    assert ev.payload["checkpoint"] == "CP-2" and ev.payload["checkpoint_name"] == "巡更点2"
    assert ev.payload["verdict"] == "ok" and ev.payload["guard"] == "G01"


async def test_sos_raises_a_p1_alarm_naming_the_guard(platform: Platform, tour: Tour) -> None:
    r = await tour.push(("sos-1", {"guard": "B-77"}, 29), kind="patrol.sos")
    assert r.status_code == 200, r.text
    with platform.read_session() as s:
        alarm = s.scalars(select(Alarm)).one()
        ev = s.scalars(select(EventRow).where(EventRow.kind == "patrol.sos")).one()
    assert alarm.priority == 1
    assert ev.payload["guard_name"] == "张伟"


async def test_a_reader_may_not_send_the_platforms_verdicts(tour: Tour) -> None:
    r = await tour.push(("x-1", {}, 1), kind="patrol.missed")
    assert r.status_code == 403 and r.json()["reason"] == "kind_not_allowed"
