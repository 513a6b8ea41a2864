"""Start-up clean-up: partial files removed, unindexed segments indexed, names parsed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.subsystems.video import service as svc
from anfang.subsystems.video.models import Segment
from anfang.subsystems.video.orphans import cleanup_orphans, parse_name
from anfang.subsystems.video.schemas import CameraCreate
from anfang.subsystems.video.segmenter import segment_relpath
from anfang.subsystems.video.store import storage_root
from tests.subsystems.video.helpers import add_devices


@given(
    st.integers(min_value=1, max_value=10**6),
    st.datetimes(  # hypothesis takes naive bounds and adds the zone itself
        min_value=datetime(2000, 1, 1),  # noqa: DTZ001
        max_value=datetime(2200, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
)
def test_segment_names_round_trip(camera_id: int, start: datetime) -> None:
    start = start.replace(microsecond=start.microsecond // 1000 * 1000)
    rel = segment_relpath(camera_id, start)
    assert rel.startswith(f"{camera_id}/") and parse_name(rel) == start


@given(st.text(max_size=40))
def test_parse_name_never_raises(text: str) -> None:
    got = parse_name(text)
    assert got is None or got.tzinfo is not None


def _write_clip(path: Path, seconds: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format="mp4") as out:
        st = out.add_stream("mpeg4", rate=10)
        st.width, st.height, st.pix_fmt = 64, 48, "yuv420p"
        for i in range(int(seconds * 10)):
            img = np.full((48, 64, 3), i * 10 % 255, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            out.mux(st.encode(frame))
        out.mux(st.encode(None))


async def test_orphan_cleanup(platform: Platform) -> None:
    p = platform
    await add_devices(p, ["CAM-0"])
    a = (
        await svc.create_camera(
            p, "installer", CameraCreate(device_code="CAM-0", main_url="rtsp://192.0.2.1/x")
        )
    ).id
    root = storage_root(p.settings)
    start = datetime(2026, 11, 24, 1, 2, 3, 456000, tzinfo=UTC)
    rel = segment_relpath(a, start)
    assert parse_name(rel) == start
    _write_clip(root / rel, 2.0)  # renamed but never indexed (a crash)
    part = root / segment_relpath(a, start + timedelta(seconds=2))
    part = part.with_name(part.name + ".part")
    part.write_bytes(b"half a segment")
    junk = root / segment_relpath(a, start + timedelta(seconds=4))
    junk.write_bytes(b"not a video")
    (root / "999" / "2026-11-24").mkdir(parents=True)
    got = await cleanup_orphans(p, root)
    assert got == {"parts": 1, "stale": 1, "indexed": 1}
    assert not part.exists() and not junk.exists() and (root / "999").exists()
    with p.read_session() as s:
        seg = s.scalar(select(Segment))
    assert seg is not None and seg.path == rel and seg.start_at == start
    assert abs((seg.end_at - start).total_seconds() - 2.0) < 0.2
    assert (await cleanup_orphans(p, root))["indexed"] == 0  # idempotent
