"""Face captures of access decisions: stored sealed, read back for people readers, and
deleted after ``access_capture_retention_days`` unless an open alarm still holds them.

Files live under ``data_dir/access/captures/YYYYMMDD/<hex>.sealed`` (the image) and
``<hex>_t.sealed`` (a 160 px thumbnail), each sealed with ``platform.secrets`` for the
purpose ``access_capture:<YYYYMMDD>/<hex>[_t]``: a copied disk shows no faces without the
key file. The API and events name them ``YYYYMMDD/<hex>.jpg`` / ``..._t.jpg``.

Crash-safe order. Saving: the files are written (temp file, then rename) *before* the
decision's transaction inserts the :class:`AccessCapture` row, so a row never names a
missing file; a crash in between leaves an orphan file, which the purge removes once
its day has expired. Purging: files are unlinked first, then the rows; a crash in
between leaves rows naming missing files, which read as "gone" and are deleted by the
next run.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from prometheus_client import Counter
from sqlalchemy import delete, or_, select

from anfang.core.alarms import OPEN_STATES
from anfang.core.secretbox import SecretError
from anfang.core.writer import WriteContext
from anfang.store.base import utcnow
from anfang.store.models import Alarm, AlarmEvent
from anfang.subsystems.access.models import AccessCapture

if TYPE_CHECKING:
    from anfang.kernel import Kernel

log = logging.getLogger(__name__)
PURGED = Counter("anfang_access_captures_purged_total", "Face captures deleted by retention")
THUMB_PX = 160
PURGE_INTERVAL_S = 3600.0
_NAME_RE = re.compile(r"([0-9]{8}/[0-9a-f]{24})(_t)?\.jpg")
_DAY_RE = re.compile(r"[0-9]{8}")


@dataclass(frozen=True, slots=True)
class Saved:
    """A stored capture: its key (``YYYYMMDD/<hex>``) and the names the API serves."""

    key: str

    @property
    def image(self) -> str:
        """The capture's API name."""
        return f"{self.key}.jpg"

    @property
    def thumb(self) -> str:
        """The thumbnail's API name."""
        return f"{self.key}_t.jpg"


def root(platform: Kernel) -> Path:
    """Where face captures are kept (``data_dir/access/captures``)."""
    return platform.settings.data_dir / "access" / "captures"


def _purpose(stem: str) -> str:
    return f"access_capture:{stem}"


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)  # a reader never sees half a file


def _thumbnail(image: bytes) -> bytes | None:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(image)) as im:
            im.thumbnail((THUMB_PX, THUMB_PX))
            out = io.BytesIO()
            im.convert("RGB").save(out, "JPEG", quality=80)
            return out.getvalue()
    except Exception as exc:  # a broken image still gets its decision; no thumbnail
        log.warning("capture thumbnail failed: %s", exc)
        return None


def save(platform: Kernel, image: bytes, now: datetime | None = None) -> Saved:
    """Seal and write a capture and its thumbnail (blocking: call in a thread)."""
    day = (now or utcnow()).strftime("%Y%m%d")
    key = f"{day}/{secrets.token_hex(12)}"
    base = root(platform)
    (base / day).mkdir(parents=True, exist_ok=True)
    _write(base / f"{key}.sealed", platform.secrets.seal(image, _purpose(key)))
    thumb = _thumbnail(image)
    if thumb is not None:
        _write(base / f"{key}_t.sealed", platform.secrets.seal(thumb, _purpose(f"{key}_t")))
    return Saved(key)


def read(platform: Kernel, name: str) -> bytes | None:
    """The JPEG of a capture by its API name; None when malformed, purged or not opening."""
    m = _NAME_RE.fullmatch(name)
    if m is None:
        return None
    stem = m.group(1) + (m.group(2) or "")
    try:
        sealed = (root(platform) / f"{stem}.sealed").read_bytes()
        return platform.secrets.open(sealed, _purpose(stem))
    except (OSError, SecretError) as exc:
        if not isinstance(exc, FileNotFoundError):
            log.warning("capture %s does not open: %s", name, exc)
        return None


def add_row(ctx: WriteContext, saved: Saved, event_id: str, hold: str | None, at: datetime) -> None:
    """Index a capture in the decision's transaction (called inside its writer job)."""
    ctx.session.add(
        AccessCapture(name=saved.key, event_id=event_id, hold_event_id=hold, created_at=at)
    )


def _unlink(base: Path, key: str) -> None:
    for suffix in (".sealed", "_t.sealed"):
        with contextlib.suppress(FileNotFoundError):
            (base / f"{key}{suffix}").unlink()


async def purge(platform: Kernel, now: datetime | None = None) -> int:
    """Delete captures older than the retention period (files, then rows); the count.

    A capture whose decision event or watch-list hit is attached to an open alarm is
    kept until that alarm is closed. Files in expired day folders with no row (a crash
    between writing the file and committing the decision) go too.
    """
    now = now or utcnow()
    cutoff = now - timedelta(days=platform.settings.access_capture_retention_days)
    base = root(platform)

    def find() -> tuple[list[str], set[str]]:
        with platform.read_session() as s:  # a read: the writer stays free for decisions
            held_events = (
                select(AlarmEvent.event_id)
                .join(Alarm, Alarm.id == AlarmEvent.alarm_id)
                .where(Alarm.state.in_(OPEN_STATES))
            )
            expired = select(AccessCapture.name).where(AccessCapture.created_at < cutoff)
            held = expired.where(
                or_(
                    AccessCapture.event_id.in_(held_events),
                    AccessCapture.hold_event_id.in_(held_events),
                )
            )
            held_names = set(s.scalars(held))
            doomed = [n for n in s.scalars(expired) if n not in held_names]
            # Rows of the expired day folders (a day of slack: a file saved just before
            # midnight may be committed just after it).
            recent = AccessCapture.created_at < cutoff + timedelta(days=1)
            known = set(s.scalars(select(AccessCapture.name).where(recent)))
            return doomed, known

    doomed, known = await asyncio.to_thread(find)
    cut_day = cutoff.strftime("%Y%m%d")

    def sweep() -> None:
        for key in doomed:
            _unlink(base, key)
        if not base.is_dir():
            return
        for day in base.iterdir():  # orphans of expired days (files with no row)
            if not (_DAY_RE.fullmatch(day.name) and day.name < cut_day):
                continue
            for f in day.iterdir():
                stem = f.name.removesuffix(".sealed").removesuffix("_t")
                if f"{day.name}/{stem}" not in known or f.suffix == ".tmp":
                    f.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                day.rmdir()  # only once empty: held captures keep their folder

    await asyncio.to_thread(sweep)

    def drop(ctx: WriteContext) -> None:
        for i in range(0, len(doomed), 500):
            ctx.session.execute(
                delete(AccessCapture).where(AccessCapture.name.in_(doomed[i : i + 500]))
            )

    if doomed:
        await platform.writer.run(drop)
        PURGED.inc(len(doomed))
        log.info("access captures: %d older than %s deleted", len(doomed), cutoff.date())
    return len(doomed)


async def run_retention(platform: Kernel, interval_s: float = PURGE_INTERVAL_S) -> None:
    """Purge at start and then every ``interval_s`` (a failed run is logged and retried)."""
    while True:
        try:
            await purge(platform)
        except Exception:
            log.exception("access capture retention failed")
        await asyncio.sleep(interval_s)
