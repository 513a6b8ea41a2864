"""Running exports: where each one is, and nothing left behind once it has finished."""

from __future__ import annotations

from anfang.subsystems.video.export_jobs import ExportProgress


def test_progress_is_held_while_running_and_forgotten_after() -> None:
    p = ExportProgress()
    assert p.of(7) is None
    p.update(7, "cutting")
    assert p.of(7) == {"stage": "cutting", "done": 0, "total": 0}
    p.update(7, "masking", 50, 200)
    p.update(8, "cutting")
    assert p.of(7) == {"stage": "masking", "done": 50, "total": 200}
    p.finish(7)
    p.finish(7)  # twice is harmless (a failed export finishes in its finally)
    assert p.of(7) is None and p.of(8) is not None
