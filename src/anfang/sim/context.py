"""What ``anfang demo`` hands each subsystem's simulator factory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from anfang.config import Settings
    from anfang.core.platform import Platform
    from anfang.sim.community import DemoCommunity


@dataclass(frozen=True)
class DemoContext:
    """The running demo: simulators reach the platform only over its network interfaces
    (``base_url`` and the adapters' ports); ``platform`` is for seeding configuration
    (accounts, cameras) the way an installer would, never for delivering device traffic."""

    platform: Platform
    settings: Settings
    base_url: str
    host: str
    community: DemoCommunity
    rate: float
    work_dir: Path
