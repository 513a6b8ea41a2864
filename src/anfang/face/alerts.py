"""What a recognition raises: a watch-list hit (sealed snapshot + CRITICAL event, which
the seeded alarm definition turns into an alarm) and a stranger at a door (LOW event)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from anfang.core.events import Event, new_id
from anfang.core.writer import WriteContext
from anfang.face import store
from anfang.face.index import Hit
from anfang.face.models import FaceSnapshot

if TYPE_CHECKING:
    from anfang.face.results import Match
    from anfang.kernel import Kernel

log = logging.getLogger(__name__)


async def watch_hit(
    platform: Kernel,
    match: Match,
    image: bytes,
    source: str,
    door: str | None,
    quality: dict[str, float],
) -> str:
    """Seal the capture and emit ``face.watchlist_hit`` in one transaction; the event id."""
    snap_id = new_id()
    sealed = platform.secrets.seal(image, store.snapshot_purpose(snap_id))
    payload = {
        "person_id": match.person_id,
        "name": match.name,
        "watch_list": match.watch_list,
        "priority": match.watch_priority,
        "similarity": round(match.similarity, 4),
        "door": door,
        "quality": quality,
    }
    media = [{"type": "face_snapshot", "id": snap_id, "url": f"/api/v1/face/snapshots/{snap_id}"}]
    event = Event.create("face.watchlist_hit", source[:64], payload=payload, media=media)

    def job(ctx: WriteContext) -> None:
        ctx.session.add(FaceSnapshot(id=snap_id, person_id=match.person_id, image_sealed=sealed))
        ctx.emit(event)

    await platform.writer.run(job)
    log.warning("watch-list hit: %s (%s) at %s", match.person_id, match.watch_list, source)
    return event.id


async def stranger(
    platform: Kernel, source: str, door: str | None, faces: int, nearest: Hit | None
) -> str:
    """Emit ``face.stranger`` (no snapshot: strangers never consented); the event id."""
    payload = {
        "door": door,
        "faces": faces,
        "nearest_similarity": round(nearest.similarity, 4) if nearest else None,
    }
    stored = await platform.pipeline.submit(
        Event.create("face.stranger", source[:64], payload=payload)
    )
    return stored.event.id
