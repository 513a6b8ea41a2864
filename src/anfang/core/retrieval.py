"""Who retrieves recorded material and why (公共安全视频图像信息系统管理条例: every
retrieval is logged with its reason, the requesting unit and the person's name).

Playback and export of video, 1:N face searches and plate searches carry these fields; the
audit entry of each retrieval holds them. Unit and name default to the caller's own (the
community's monitoring centre, the user's name) when the operator retrieves for the
centre itself; a retrieval for the police or a court names them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

OWN_UNIT = "本小区监控中心"


class Retrieval(BaseModel):
    """The reason (required), the requesting unit and the requesting person."""

    reason: str = Field(min_length=2, max_length=500, pattern=r"\S")
    unit: str = Field(default="", max_length=200)
    requester: str = Field(default="", max_length=100)


def detail(r: Retrieval, actor: str) -> dict[str, Any]:
    """The audit detail of a retrieval, unit and name filled in."""
    return {
        "reason": r.reason.strip(),
        "unit": r.unit.strip() or OWN_UNIT,
        "requester": r.requester.strip() or actor.removeprefix("user:"),
    }
