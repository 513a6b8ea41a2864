"""What the uplink states for the compliance checker: the police platforms configured and
whether each accepts anfang now."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.core.facts import Fact, Value
from anfang.uplink.models import UpperPlatform


def source(accepted: Callable[[int], bool]) -> Callable[[Session, datetime], Mapping[str, Fact]]:
    """The fact source; ``accepted(platform_id)`` says whether that upper accepts anfang now."""

    def facts(s: Session, _now: datetime) -> Mapping[str, Fact]:
        rows = s.scalars(select(UpperPlatform).where(UpperPlatform.enabled.is_(True))).all()
        gb = [r for r in rows if r.protocol == "gb28181"]
        viid = [r for r in rows if r.protocol == "ga1400"]
        online: dict[str, Value] = {}
        for r in rows:
            online[r.name] = accepted(r.id)
        registered = sum(1 for r in gb if online.get(r.name))
        return {
            "uplink.gb28181": Fact(
                len(gb),
                f"已配置 GB/T 28181 上级平台 {len(gb)} 个，其中 {registered} 个注册成功",
                online,
            ),
            "uplink.gb28181_registered": Fact(registered, f"{registered} 个上级平台当前接受注册"),
            "uplink.ga1400": Fact(len(viid), f"已配置 GA/T 1400 视图库 {len(viid)} 个"),
        }

    return facts
