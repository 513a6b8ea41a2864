"""The property's limits on residents' passes (the doors: test_passes_service.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from anfang.subsystems.access.resident_passes import ResidentPassRefused, resident_limits
from tests.conftest import make_settings


def test_limits_come_from_the_settings(tmp_path: object) -> None:
    settings = make_settings(tmp_path, resident_pass_max_uses=3, resident_pass_max_days=2)  # type: ignore[arg-type]
    start = datetime(2026, 12, 5, tzinfo=UTC)
    resident_limits(settings, start, start + timedelta(days=2), 3)
    with pytest.raises(ResidentPassRefused, match="at most 3 uses") as info:
        resident_limits(settings, start, start + timedelta(hours=1), 4)
    assert info.value.status == 422
    with pytest.raises(ResidentPassRefused, match="at most 2 days"):
        resident_limits(settings, start, start + timedelta(days=2, seconds=1), 1)
