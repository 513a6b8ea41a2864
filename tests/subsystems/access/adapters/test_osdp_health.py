"""The pure PD-health mapping: tamper, power and online changes raise one event each."""

from __future__ import annotations

from typing import Any

import osdp  # type: ignore[import-untyped]
from hypothesis import given
from hypothesis import strategies as st

from anfang.subsystems.access.adapters.osdp_health import PdHealth, health_events


def _status(tamper: int, power: int) -> dict[str, Any]:
    return {"event": osdp.Event.Status, "type": osdp.StatusReportType.Local,
            "report": bytes([tamper, power])}  # fmt: skip


def _pd_state(online: int) -> dict[str, Any]:
    return {"event": osdp.Event.Notification, "arg0": online, "arg1": 0,
            "type": osdp.EventNotification.PeripheralDeviceStatus}  # fmt: skip


def test_health_events() -> None:
    h = PdHealth()
    assert health_events(h, _status(0, 0)) == []  # a first normal report is no restore
    assert health_events(h, _status(1, 0)) == [("access.tamper", {})]
    assert health_events(h, _status(1, 0)) == []  # still tampered: no second alarm
    assert health_events(h, _status(0, 1)) == [
        ("access.tamper_restore", {}),
        ("access.trouble", {"trouble": "power"}),
    ]
    assert health_events(h, _pd_state(1)) == [("access.reader_online", {})]
    assert health_events(h, _pd_state(1)) == []
    assert health_events(h, _pd_state(0)) == [("access.reader_offline", {})]
    sc = {"event": osdp.Event.Notification, "arg0": 1, "arg1": 0,
          "type": osdp.EventNotification.SecureChannelStatus}  # fmt: skip
    assert health_events(h, sc) == [] and h.secure is True


@given(
    st.fixed_dictionaries(
        {"event": st.sampled_from([osdp.Event.Status, osdp.Event.Notification, 9])},
        optional={
            "type": st.integers(-1, 4),
            "arg0": st.one_of(st.integers(-5, 5), st.none(), st.binary(max_size=2)),
            "report": st.one_of(st.binary(max_size=4), st.integers(), st.none()),
        },
    )
)
def test_health_events_never_crash(ev: dict[str, Any]) -> None:
    for kind, payload in health_events(PdHealth(), ev):
        assert kind.startswith("access.") and isinstance(payload, dict)
