"""Device secrets for the HTTP push interface: read off the event loop, kept a few seconds."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from anfang.core.writer import StorageUnavailable
from anfang.store.models import Device

if TYPE_CHECKING:
    from anfang.kernel import Kernel

SECRET_TTL_S = 5.0


@dataclass(frozen=True, slots=True)
class Cred:
    """A device's shared secret and whether it may send."""

    secret: str
    enabled: bool
    subsystem: str = ""
    kinds: frozenset[str] | None = None  # narrowed by the installer (``meta.kinds``)


class SecretCache:
    """Device secrets, read with a read session in a thread and kept for a few seconds.

    Unknown codes are cached too, so a flood of bogus device codes costs no queries.
    """

    def __init__(self, platform: Kernel, ttl_s: float = SECRET_TTL_S) -> None:
        self.platform = platform
        self.ttl_s = ttl_s
        self._entries: dict[str, tuple[float, Cred | None]] = {}

    async def get(self, code: str) -> Cred | None:
        """The device's secret and enabled flag, or None when no such device exists.

        Raises ``StorageUnavailable`` when the database cannot be read and nothing is cached.
        """
        now = time.monotonic()
        hit = self._entries.get(code)
        if hit is not None and now - hit[0] < self.ttl_s:
            return hit[1]
        try:
            cred = await asyncio.to_thread(self._load, code)
        except DBAPIError as exc:
            if hit is not None:  # the database is away: a recent answer beats none
                return hit[1]
            raise StorageUnavailable(f"cannot read devices: {exc.orig!r}") from exc
        if len(self._entries) > 10_000:  # bound memory under a flood of random codes
            self._entries.clear()
        self._entries[code] = (now, cred)
        return cred

    def _load(self, code: str) -> Cred | None:
        with self.platform.read_session() as session:
            row = session.execute(
                select(Device.secret, Device.enabled, Device.subsystem, Device.meta).where(
                    Device.code == code
                )
            ).first()
        if row is None:
            return None
        listed = row[3].get("kinds") if isinstance(row[3], dict) else None
        narrowed = None
        if isinstance(listed, list):
            narrowed = frozenset(k for k in listed if isinstance(k, str))
        return Cred(row[0], bool(row[1]), row[2], narrowed)
