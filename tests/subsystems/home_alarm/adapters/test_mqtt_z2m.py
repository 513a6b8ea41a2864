"""The zigbee2mqtt core: topics, payloads, readings, change tracking, fuzzing."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from anfang.app.registry import load_all
from anfang.core import kinds
from anfang.subsystems.home_alarm.adapters import mqtt_z2m as z
from anfang.subsystems.home_alarm.adapters.mqtt_z2m import ChangeTracker, Reading, Rejected

BASE = "zigbee2mqtt"


def parse(topic: str, data: object) -> Reading:
    raw = data if isinstance(data, bytes) else orjson.dumps(data)
    reading = z.parse_message(BASE, topic, raw)
    assert reading is not None
    return reading


@pytest.mark.parametrize(
    ("topic", "expected"),
    [
        ("zigbee2mqtt/front_door", ("front_door", False)),
        ("zigbee2mqtt/floor1/hall pir", ("floor1/hall pir", False)),
        ("zigbee2mqtt/front_door/availability", ("front_door", True)),
        ("zigbee2mqtt/bridge/state", None),
        ("zigbee2mqtt/bridge/devices", None),
        ("zigbee2mqtt/front_door/set", None),
        ("zigbee2mqtt/front_door/get", None),
        ("zigbee2mqtt/front_door/set/state", None),
        ("zigbee2mqtt/", None),
        ("zigbee2mqtt/availability", ("availability", False)),
        ("zigbee2mqtt//x", None),
        ("other/front_door", None),
        ("zigbee2mqttx/front_door", None),
    ],
)
def test_parse_topic(topic: str, expected: tuple[str, bool] | None) -> None:
    assert z.parse_topic(BASE, topic) == expected


def test_state_reading_keeps_watched_fields() -> None:
    r = parse(
        "zigbee2mqtt/front_door",
        {
            "contact": False,
            "tamper": False,
            "battery_low": False,
            "battery": 87,
            "linkquality": 120,
        },
    )
    assert r == Reading(
        "front_door", values={"contact": False, "tamper": False, "battery_low": False}, battery=87
    )


def test_wrong_types_are_listed_and_skipped() -> None:
    r = parse("zigbee2mqtt/d", {"contact": "open", "smoke": 1, "gas": True, "action": 3})
    assert r.values == {"gas": True}
    assert r.bad_fields == ("action", "contact", "smoke")
    assert r.action is None


def test_null_fields_are_not_reported() -> None:
    assert parse("zigbee2mqtt/d", {"contact": None, "battery": None}) == Reading("d")


@pytest.mark.parametrize(
    ("payload", "online"),
    [(b"online", True), (b"offline", False), (b'{"state":"online"}', True), (b'"offline"', False)],
)
def test_availability(payload: bytes, online: bool) -> None:
    assert parse("zigbee2mqtt/d/availability", payload) == Reading("d", online=online)


@pytest.mark.parametrize(
    ("topic", "payload", "reason"),
    [
        ("zigbee2mqtt/d", b"{not json", "bad_json"),
        ("zigbee2mqtt/d", b"\xff\xfe", "bad_json"),
        ("zigbee2mqtt/d", b"[1, 2]", "not_object"),
        ("zigbee2mqtt/d", b"true", "not_object"),
        ("zigbee2mqtt/d", b'{"a": "' + b"x" * z.MAX_PAYLOAD + b'"}', "too_large"),
        ("zigbee2mqtt/d/availability", b"maybe", "bad_json"),
        ("zigbee2mqtt/d/availability", b'{"state": 1}', "bad_availability"),
    ],
)
def test_rejections(topic: str, payload: bytes, reason: str) -> None:
    with pytest.raises(Rejected) as info:
        z.parse_message(BASE, topic, payload)
    assert info.value.reason == reason


def test_every_kind_is_registered() -> None:
    load_all()
    for _, kind, _ in z.CONDITIONS.values():
        kinds.get(kind)
    for kind in [*z.ACTIONS.values(), "home_alarm.restore", "device.online", "device.offline"]:
        kinds.get(kind)


def test_changes_only_and_restore() -> None:
    t = ChangeTracker()
    closed = Reading("d", values={"contact": True, "tamper": False})
    opened = Reading("d", values={"contact": False, "tamper": False})
    assert t.changes("D1", closed) == []  # first report, all normal
    assert t.changes("D1", opened) == [
        z.EventSpec("home_alarm.burglary", {"sensor": "contact", "open": True}, "contact")
    ]
    assert t.changes("D1", opened) == []  # zigbee2mqtt repeats the full state
    assert t.changes("D1", closed) == [
        z.EventSpec(
            "home_alarm.restore",
            {"condition": "home_alarm.burglary", "sensor": "contact"},
            "contact",
        )
    ]
    assert t.changes("D2", opened)[0].kind == "home_alarm.burglary"  # per device


@pytest.mark.parametrize(
    ("field", "active", "kind"),
    [
        ("occupancy", True, "home_alarm.burglary"),
        ("smoke", True, "home_alarm.fire"),
        ("gas", True, "home_alarm.gas"),
        ("water_leak", True, "home_alarm.water"),
        ("tamper", True, "home_alarm.tamper"),
        ("battery_low", True, "home_alarm.trouble"),
    ],
)
def test_each_condition(field: str, active: bool, kind: str) -> None:
    t = ChangeTracker()
    [raised] = t.changes("D", Reading("d", values={field: active}, battery=9))
    assert raised.kind == kind and raised.payload["sensor"] == field
    if field == "battery_low":
        assert raised.payload["battery"] == 9
    [cleared] = t.changes("D", Reading("d", values={field: not active}))
    assert cleared.kind == "home_alarm.restore"
    assert cleared.payload == {"condition": kind, "sensor": field}


def test_actions_fire_every_time() -> None:
    t = ChangeTracker()
    panic = Reading("k", action="sos")
    assert [s.kind for s in t.changes("K", panic)] == ["home_alarm.panic"]
    assert [s.kind for s in t.changes("K", panic)] == ["home_alarm.panic"]
    assert [s.kind for s in t.changes("K", Reading("k", action="arm_all_zones"))] == [
        "home_alarm.armed"
    ]
    assert [s.kind for s in t.changes("K", Reading("k", action="disarm"))] == [
        "home_alarm.disarmed"
    ]
    assert t.changes("K", Reading("k", action="single")) == []


def test_availability_changes() -> None:
    t = ChangeTracker()
    assert t.changes("D", Reading("d", online=True)) == []
    assert [s.kind for s in t.changes("D", Reading("d", online=False))] == ["device.offline"]
    assert t.changes("D", Reading("d", online=False)) == []
    assert [s.kind for s in t.changes("D", Reading("d", online=True))] == ["device.online"]
    t.forget("D")
    assert t.changes("D", Reading("d", online=True)) == []


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)
field_names = st.sampled_from([*z.CONDITIONS, "action", "battery", "state", "linkquality"])


@given(
    topic=st.text(max_size=40) | st.builds(lambda s: f"{BASE}/{s}", st.text(max_size=30)),
    payload=st.binary(max_size=200),
)
def test_fuzz_bytes_never_raise_unexpectedly(topic: str, payload: bytes) -> None:
    t = ChangeTracker()
    try:
        reading = z.parse_message(BASE, topic, payload)
    except Rejected:
        return
    if reading is not None:
        t.changes("D", reading)


@given(
    name=st.text(min_size=1, max_size=10).filter(lambda s: "/" not in s),
    suffix=st.sampled_from(["", "/availability"]),
    docs=st.lists(st.dictionaries(field_names, json_values, max_size=6), max_size=5),
)
def test_fuzz_json_objects(name: str, suffix: str, docs: list[dict[str, object]]) -> None:
    t = ChangeTracker()
    for doc in docs:
        try:
            reading = z.parse_message(BASE, f"{BASE}/{name}{suffix}", orjson.dumps(doc))
        except Rejected as exc:
            assert exc.reason in {"bad_availability", "bad_json", "not_object"}
            continue
        if reading is None:
            continue
        for spec in t.changes("D", reading):
            assert spec.kind in {
                *(k for _, k, _ in z.CONDITIONS.values()),
                *z.ACTIONS.values(),
                "home_alarm.restore",
                "device.online",
                "device.offline",
            }
