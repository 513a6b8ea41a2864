"""Tamper, occlusion and defocus detection on synthetic frames, and the worker driver."""

from __future__ import annotations

import asyncio
from pathlib import Path

import cv2
import numpy as np
import pytest
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.store.models import EventRow
from anfang.subsystems.video.health import (
    HealthSupervisor,
    HealthTracker,
    assess,
    prepare,
    watch,
)
from anfang.subsystems.video.media import MEDIA, MediaService
from tests.subsystems.video.helpers import wait_for
from tests.subsystems.video.segfiles import add_camera, make_clip


def scene(seed: int = 1, shift: int = 0) -> np.ndarray:
    """A textured 320×240 BGR street-ish picture (blocks, lines, text), optionally panned."""
    rng = np.random.default_rng(seed)
    img = np.full((240, 400, 3), 90, np.uint8)
    for _ in range(40):
        x, y = int(rng.integers(0, 380)), int(rng.integers(0, 220))
        color = tuple(int(c) for c in rng.integers(0, 255, 3))
        cv2.rectangle(
            img, (x, y), (x + int(rng.integers(5, 60)), y + int(rng.integers(5, 40))), color, -1
        )
    for i in range(0, 400, 25):
        cv2.line(img, (i, 0), (i + 40, 239), (230, 230, 230), 1)
    cv2.putText(img, "1#GATE 08:00", (20, 200), cv2.FONT_HERSHEY_SIMPLEX, 1, (255, 255, 255), 2)
    return np.ascontiguousarray(img[:, shift : shift + 320])


def test_healthy_frame_raises_nothing() -> None:
    ref = prepare(scene())
    a = assess(prepare(scene()), ref)
    assert a.conditions() == set()
    noisy = np.clip(
        scene().astype(np.int16) + np.random.default_rng(2).integers(-8, 8, (240, 320, 3)), 0, 255
    ).astype(np.uint8)
    assert assess(prepare(noisy), ref).conditions() == set()


@pytest.mark.parametrize("cover", ["black", "grey", "hand"])
def test_occlusion_dark_or_flat(cover: str) -> None:
    ref = prepare(scene())
    img = {
        "black": np.zeros((240, 320, 3), np.uint8),
        "grey": np.full((240, 320, 3), 128, np.uint8),
        "hand": cv2.GaussianBlur(np.full((240, 320, 3), (60, 80, 120), np.uint8), (9, 9), 3),
    }
    assert assess(prepare(img[cover]), ref).conditions() == {"occlusion"}


def test_defocus_by_blur() -> None:
    ref = prepare(scene())
    blurred = cv2.GaussianBlur(scene(), (0, 0), 4)
    a = assess(prepare(blurred), ref)
    assert a.conditions() == {"defocus"}, a
    assert a.sharpness < 0.25 * assess(ref, None).sharpness


def test_shift_when_camera_turned() -> None:
    ref = prepare(scene(seed=1))
    a = assess(prepare(scene(seed=7)), ref)  # a different view entirely
    assert a.conditions() == {"shift"}, a


def test_tracker_hysteresis_raise_and_restore() -> None:
    tr = HealthTracker(raise_after=3, clear_after=2)
    ok, dark = prepare(scene()), prepare(np.zeros((240, 320, 3), np.uint8))
    assert tr.update(ok) == []
    assert tr.update(dark) == [] and tr.update(dark) == []
    assert tr.update(ok) == []  # a single good frame resets the count
    assert [tr.update(dark) for _ in range(3)] == [[], [], [("occlusion", True)]]
    assert tr.update(ok) == [] and tr.update(ok) == [("occlusion", False)]
    ref = tr.reference
    for _ in range(5):
        tr.update(dark)
    assert tr.reference is not None and ref is not None and np.array_equal(tr.reference, ref)


def test_watch_reports_occlusion_from_a_stream(tmp_path: Path) -> None:
    # 4 s of a moving picture then 4 s of black, keyframe each second: the driver decodes
    # keyframes only and reports the occlusion once it held for three samples.
    first = make_clip(tmp_path / "a.ts", 4, gop=25)
    black = make_clip(tmp_path / "b.ts", 4, source="color=c=black", gop=25)
    joined = tmp_path / "joined.ts"
    joined.write_bytes(first.read_bytes() + black.read_bytes())
    seen: list[tuple[str, bool]] = []
    watch(
        str(joined),
        lambda n, r: seen.append((n, r)),
        every_s=0.0,
        tracker=HealthTracker(raise_after=3, clear_after=3),
    )
    assert seen == [("occlusion", True)]


def test_lighting_change_is_not_tamper() -> None:
    ref = prepare(scene())
    dimmer = cv2.convertScaleAbs(scene(), alpha=0.6, beta=-10)
    assert assess(prepare(dimmer), ref).conditions() == set()


async def test_worker_process_raises_video_tamper_event(platform: Platform, tmp_path: Path) -> None:
    # The component runs one analysis process per analysed camera (here a file that shows
    # a picture, then black) and stores video.tamper with the condition in its payload.
    first = make_clip(tmp_path / "a.ts", 3, gop=25)
    black = make_clip(tmp_path / "b.ts", 5, source="color=c=black", gop=25)
    joined = tmp_path / "joined.ts"
    joined.write_bytes(first.read_bytes() + black.read_bytes())
    await add_camera(platform, "CAM-H", sub_url=str(joined), analyse=True)
    svc = platform.capabilities.require(MEDIA)
    assert isinstance(svc, MediaService)
    svc.health.every_s = 0.0
    await svc.refresh_health()
    assert list(svc.health.workers) == ["CAM-H"]

    async def tamper() -> list[dict[str, object]]:
        with platform.read_session() as s:
            rows = s.scalars(select(EventRow).where(EventRow.kind == "video.tamper"))
            return [r.payload for r in rows]

    payloads = await wait_for(tamper, 30, "video.tamper")
    assert payloads[0]["condition"] == "occlusion"


async def test_stop_does_not_hang_on_a_worker_terminated_while_asleep() -> None:
    """A camera's URL changes while its worker sleeps before reconnecting: the worker is
    terminated, and the platform's stop must still return (an Event's set() waited forever
    for that sleeper to wake)."""

    async def ignore(code: str, condition: str, raised: bool) -> None:
        return None

    sup = HealthSupervisor(ignore)
    sup.sync({"CAM-X": "rtsp://127.0.0.1:1/old"})  # refused at once: the worker backs off
    await asyncio.sleep(3.0)
    sup.sync({"CAM-X": "rtsp://127.0.0.1:1/new"})
    await asyncio.sleep(3.0)
    async with asyncio.timeout(15):
        await sup.stop()
    assert sup.workers == {}
