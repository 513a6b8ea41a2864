"""The district node's state, fed messages as the stream delivers them."""

from __future__ import annotations

from typing import Any

from anfang.uplink.adapters import district as wire
from anfang.uplink.district import DistrictNode


class _Settings:
    uplink_district_url = "nats://127.0.0.1:1"
    uplink_district_stream = "S"


class _Kernel:
    settings = _Settings()


def _node() -> DistrictNode:
    return DistrictNode(_Kernel())  # type: ignore[arg-type]


def _msg(topic: str, seq: int, data: dict[str, Any], ts: float = 100.0) -> bytes:
    return wire.encode("C1", topic, seq, ts, data)


def test_events_alarms_and_snapshots_make_the_communitys_state() -> None:
    node = _node()
    node.apply(_msg("events", 1, {"id": "e1", "kind": "perimeter.intrusion"}), 100.2)
    node.apply(_msg("alarms", 2, {"id": 5, "state": "new", "created_at": "a"}), 100.3)
    node.apply(_msg("alarms", 3, {"id": 6, "state": "new", "created_at": "b"}), 100.3)
    node.apply(_msg("alarms", 4, {"id": 5, "state": "resolved"}), 100.4)
    node.apply(b"garbage", 100.5)
    [c] = node.listing()
    assert c["events"] == 1 and c["open_alarms"] == 1 and abs(c["lag_p99_s"] - 0.2) < 1e-6
    snap = {
        "name": "阳光小区",
        "devices": {"online": 9, "offline": 1},
        "open_alarms": [{"id": 6}, {"id": 7}],
        "open_alarm_count": 2,
    }
    node.apply(_msg("snapshot", 0, snap), 101.0)
    detail = node.community("C1")
    assert detail is not None and detail["name"] == "阳光小区" and detail["open_alarms"] == 2
    assert detail["devices"] == {"online": 9, "offline": 1}
    assert detail["by_kind"] == {"perimeter.intrusion": 1}
    assert node.community("nope") is None
