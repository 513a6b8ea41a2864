"""A link to an upper platform: its GB/T 28181 settings and what the console and ``/metrics``
show of it (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(slots=True)
class AgentState:
    """What the console shows of one upper."""

    state: str = "stopped"  # stopped registering registered offline refused
    detail: str = ""
    code: str = ""  # why, for the console to say in the operator's language
    clock_offset_s: float | None = None
    registered_at: datetime | None = None
    missed: int = 0
    subscriptions: int = 0
    extra: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class GbConfig:
    """One upper platform as the agent sees it."""

    name: str
    server_id: str
    realm: str
    host: str
    port: int
    transport: str
    local_id: str
    local_host: str
    local_port: int
    password: str
    charset: str = "GB2312"
    version: str = "2016"
    expires_s: int = 3600
    keepalive_s: int = 60
