"""Running an export: the cut in a worker thread, the masking for publication in a worker
process with its progress, then the row and the audit entry (or the error on the row)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from anfang.core.writer import WriteContext
from anfang.subsystems.video import masking
from anfang.subsystems.video.export import Source, Written, export_range, sha256_file
from anfang.subsystems.video.masking import Masked
from anfang.subsystems.video.models import Camera, Export
from anfang.subsystems.video.playback import MediaError, resolve
from anfang.subsystems.video.store import segments_between

if TYPE_CHECKING:
    from anfang.kernel import Kernel

log = logging.getLogger(__name__)


class ExportProgress:
    """How far each running export has got: ``{"stage": "cutting" | "masking", "done",
    "total"}`` (frames). Held in memory: a restart fails running exports anyway."""

    def __init__(self) -> None:
        self._by_id: dict[int, dict[str, Any]] = {}

    def update(self, export_id: int, stage: str, done: int = 0, total: int = 0) -> None:
        """Record where export ``export_id`` is."""
        self._by_id[export_id] = {"stage": stage, "done": done, "total": total}

    def finish(self, export_id: int) -> None:
        """Forget a finished export."""
        self._by_id.pop(export_id, None)

    def of(self, export_id: int) -> dict[str, Any] | None:
        """Where export ``export_id`` is, if it is running here."""
        return self._by_id.get(export_id)


async def run_export(
    platform: Kernel,
    root: Path,
    export_id: int,
    camera: Camera,
    code: str,
    progress: ExportProgress,
) -> None:
    """Cut the export in a worker thread, then store its digest (row + audit) or its error;
    ``progress`` (the media service's) shows where it is meanwhile."""
    try:
        await _run_export(platform, root, export_id, camera, code, progress)
    finally:
        progress.finish(export_id)


async def _run_export(
    platform: Kernel,
    root: Path,
    export_id: int,
    camera: Camera,
    code: str,
    progress: ExportProgress,
) -> None:

    def read() -> tuple[Export, list[Source]]:
        with platform.read_session() as s:
            row = s.get(Export, export_id)
            assert row is not None
            segs = segments_between(s, camera.id, row.start_at, row.end_at)
            return row, [Source(resolve(root, g.path), g.start_at) for g in segs]

    rel = ""
    masked: Masked | None = None
    try:
        row, sources = await asyncio.to_thread(read)
        rel = f"exports/{row.start_at:%Y%m%d}/{export_id}-{code}-{row.start_at:%H%M%S}.mp4"
        progress.update(export_id, "cutting")
        written = await asyncio.to_thread(
            export_range, sources, row.start_at, row.end_at, root / rel
        )
        if row.publication:
            cut = written.packets
            progress.update(export_id, "masking", 0, cut)

            def report(done: int, total: int) -> None:
                progress.update(export_id, "masking", done, total or cut)

            written, masked = await _masked(root / rel, platform.settings.face_engine, report)
        error = ""
    except MediaError as exc:
        written, error = None, exc.message
    except Exception as exc:  # a failed export is reported on its row, never lost
        log.exception("export %s failed", export_id)
        written, error = None, f"export failed: {exc}"

    def done(ctx: WriteContext) -> None:
        row = ctx.session.get(Export, export_id)
        assert row is not None
        if written is None:
            row.state, row.error = "failed", error
            platform.audit.append(
                ctx, "system", "video.export.failed", code, {"export": export_id, "error": error}
            )
            return
        row.state, row.path, row.sha256, row.bytes = "done", rel, written.sha256, written.bytes
        platform.audit.append(
            ctx,
            row.created_by,
            "video.export",
            code,
            {
                "export": export_id,
                "start": row.start_at.isoformat(),
                "end": row.end_at.isoformat(),
                "reason": row.reason,
                "unit": row.unit,
                "requester": row.requester,
                "sha256": written.sha256,
                "bytes": written.bytes,
                "path": rel,
                **({"masked": asdict(masked)} if masked is not None else {}),
            },
        )

    await platform.writer.run(done)


async def _masked(
    path: Path, engine: str, report: Callable[[int, int], None]
) -> tuple[Written, Masked]:
    """Mask faces and plates in ``path`` (in a worker process), replacing it."""
    raw = path.with_name(path.stem + "-unmasked.mp4")
    await asyncio.to_thread(path.replace, raw)
    try:
        masked = await masking.mask_in_worker(raw, path, engine, report)
    finally:
        # The unmasked cut is never kept beside the public one, nor a half-masked file.
        await asyncio.to_thread(raw.unlink, missing_ok=True)
        await asyncio.to_thread(path.with_suffix(".part").unlink, missing_ok=True)
    digest = await asyncio.to_thread(sha256_file, path)
    size = (await asyncio.to_thread(path.stat)).st_size
    return Written(digest, size, masked.frames), masked
