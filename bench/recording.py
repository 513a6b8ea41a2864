"""Recording benchmark: anfang's recorder against one ``ffmpeg -c copy -f segment`` per camera.

``python -m bench.recording [--streams 64] [--seconds 120] [--segment 10] [--sweep-rows N]``

N simulated cameras (GStreamer's RTSP server, ``anfang.subsystems.video.sim``) serve
1080p H.264 at 4 Mbps, a clip encoded once and looped. First a real anfang Platform
records them (worker processes remuxing with PyAV, segments indexed through the writer);
then, on the same streams, one ffmpeg process per camera does the same (the approach
Frigate takes). For each: CPU seconds of the recording processes, peak memory, and the
segments: complete (ffprobe reads every file, durations match) and gap-free (each
segment starts where the previous ended; no gap rows). Last, a retention sweep over
``--sweep-rows`` indexed segments (default 1,000,000) is timed. Results go to
bench/results/recording-<date>.{json,md}. The simulator's own CPU is reported apart: it
is the same for both recorders.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from anfang.app.platform import Platform
from anfang.config import Settings
from anfang.core.writer import WriteContext
from anfang.store.models import Device, Site
from anfang.subsystems.video import service as svc
from anfang.subsystems.video.models import Camera, Gap, Segment
from anfang.subsystems.video.recorder import RECORDER
from anfang.subsystems.video.retention import RetentionSweeper
from anfang.subsystems.video.schemas import CameraCreate
from anfang.subsystems.video.segmenter import segment_relpath
from anfang.subsystems.video.sim import SimCameraServer, StreamSpec
from bench.common import RESULTS_DIR, load_average, metadata, process_cpu_seconds, write_results

CACHE = Path(os.environ.get("ANFANG_BENCH_CLIPS", Path(tempfile.gettempdir()) / "anfang-clips"))


def rss_bytes(pid: int) -> int:
    """Resident memory of a process (0 once it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def cpu(pid: int) -> float:
    """CPU seconds of a process (0 once it has gone)."""
    try:
        return process_cpu_seconds(pid)
    except OSError:
        return 0.0


class Sampler:
    """Samples the summed RSS of some processes once a second; keeps the peak."""

    def __init__(self) -> None:
        self.peak = 0

    async def run(self, pids: list[int]) -> None:
        """Sample until cancelled."""
        while True:
            self.peak = max(self.peak, sum(rss_bytes(p) for p in pids))
            await asyncio.sleep(1.0)


def probe(path: Path) -> dict[str, Any]:
    """ffprobe's view of a segment: duration, frames, and any error it reports."""
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-count_packets",
            "-show_entries",
            "format=duration:stream=codec_name,nb_read_packets",
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    data = json.loads(out.stdout or "{}")
    stream = (data.get("streams") or [{}])[0]
    return {
        "ok": out.returncode == 0 and not out.stderr.strip() and stream.get("codec_name") == "h264",
        "duration": float(data.get("format", {}).get("duration", 0.0)),
        "packets": int(stream.get("nb_read_packets", 0)),
        "error": out.stderr.strip()[:200],
    }


def check_files(files: list[Path], segment: float, fps: int) -> dict[str, Any]:
    """Every file readable by ffprobe, with as many frames as its duration says."""
    bad: list[str] = []
    total = 0.0
    with ThreadPoolExecutor(4) as pool:
        probes = list(pool.map(probe, files))
    for f, p in zip(files, probes, strict=True):
        total += p["duration"]
        # No frame missing; ffmpeg may write an access unit's parts as extra packets.
        frames_ok = p["packets"] >= p["duration"] * fps - 2
        if not p["ok"] or not frames_ok or p["duration"] > segment * 1.5 + 2:
            bad.append(f"{f.name}: {p}")
    return {"files": len(files), "bad": len(bad), "bad_examples": bad[:5], "seconds": total}


# ----------------------------------------------------------------- anfang


async def run_anfang(
    args: argparse.Namespace, server: SimCameraServer, work: Path
) -> dict[str, Any]:
    """Record every stream with a real anfang Platform for ``args.seconds``."""
    settings = Settings.model_validate(
        {
            "data_dir": work / "anfang",
            "admin_password": "bench-password-1",
            "sia_enabled": False,
            "video_recording": True,
            "video_workers": args.workers,
            "video_min_free_bytes": 0,
            "sqlite_synchronous": "NORMAL",
        }
    )
    plat = Platform(settings)
    await plat.start()
    rec = plat.capabilities.require(RECORDER)
    try:
        await _add_cameras(plat, server, args)
        deadline = time.monotonic() + 60
        while sum(1 for c in rec.cams.values() if c.state == "recording") < args.streams:
            if time.monotonic() > deadline:
                raise RuntimeError("not every camera started recording within 60 s")
            await asyncio.sleep(0.2)
        workers = rec.workers.pids()
        pids = [os.getpid(), *workers]
        sampler, wsampler = Sampler(), Sampler()
        tasks = [asyncio.create_task(sampler.run(pids)), asyncio.create_task(wsampler.run(workers))]
        c0, cw0 = sum(cpu(p) for p in pids), sum(cpu(p) for p in workers)
        w0 = time.monotonic()
        t_start = datetime.now(UTC)
        await asyncio.sleep(args.seconds)
        c1, cw1 = sum(cpu(p) for p in pids), sum(cpu(p) for p in workers)
        wall = time.monotonic() - w0
        t_end = datetime.now(UTC)
        for task in tasks:
            task.cancel()
    finally:
        await plat.stop()
    root = settings.data_dir / "recordings"
    with plat.read_session() as s:
        segs = list(s.scalars(select(Segment).order_by(Segment.camera_id, Segment.start_at)))
        gaps = list(s.scalars(select(Gap)))
    joins: list[float] = []
    covered = 0
    for _, group in itertools.groupby(segs, key=lambda g: g.camera_id):
        mine = list(group)
        joins += [abs((b.start_at - a.end_at).total_seconds()) for a, b in itertools.pairwise(mine)]
        covered += all(
            any(x.start_at <= t_start + timedelta(seconds=i) < x.end_at for x in mine)
            for i in range(int(args.seconds))
        )
    # Segments inside the measured window: the first and last of each camera may be partial.
    files = [root / s.path for s in segs]
    checked = check_files(files, args.segment, args.fps)
    return {
        "cpu_seconds": round(c1 - c0, 2),
        "cpu_percent_of_one_core": round(100 * (c1 - c0) / wall, 1),
        "peak_rss_mb": round(sampler.peak / 2**20, 1),
        "workers_cpu_seconds": round(cw1 - cw0, 2),
        "workers_peak_rss_mb": round(wsampler.peak / 2**20, 1),
        "processes": len(pids),
        "segments": len(segs),
        "gap_rows": len(gaps),
        # Gaps of the measured window (others are connection retries at start-up or stop).
        "gap_rows_in_window": sum(
            1 for g in gaps if g.start_at < t_end and (g.end_at is None or g.end_at > t_start)
        ),
        "gaps": [
            [
                g.camera_id,
                g.start_at.isoformat(),
                g.end_at.isoformat() if g.end_at else None,
                g.reason,
            ]
            for g in gaps[:20]
        ],
        "max_join_seconds": round(max(joins, default=0.0), 3),
        "cameras_fully_covered": covered,
        "window": [t_start.isoformat(), t_end.isoformat()],
        "files": checked,
    }


async def _add_cameras(plat: Platform, server: SimCameraServer, args: argparse.Namespace) -> None:
    def devices(ctx: WriteContext) -> None:
        site = Site(code="bench", name="bench")
        ctx.session.add(site)
        ctx.session.flush()
        for i in range(args.streams):
            ctx.session.add(
                Device(
                    site_id=site.id,
                    code=f"CAM-{i:03d}",
                    name=f"cam {i}",
                    type="camera",
                    subsystem="video",
                )
            )
        ctx.mark_changed("devices")

    await plat.writer.run(devices)
    for i in range(args.streams):
        await svc.create_camera(
            plat,
            "bench",
            CameraCreate(
                device_code=f"CAM-{i:03d}",
                main_url=server.url(f"/cam{i}/main"),
                username="admin",
                password="admin",
                segment_seconds=args.segment,
            ),
        )


# ----------------------------------------------------------------- ffmpeg


async def run_ffmpeg(
    args: argparse.Namespace, server: SimCameraServer, work: Path
) -> dict[str, Any]:
    """Record every stream with one ``ffmpeg -c copy -f segment`` process per camera."""
    procs: list[subprocess.Popen[bytes]] = []
    for i in range(args.streams):
        out = work / "ffmpeg" / f"cam{i}"
        out.mkdir(parents=True, exist_ok=True)
        procs.append(
            subprocess.Popen(  # noqa: ASYNC220 - starting them takes milliseconds
                [
                    "ffmpeg", "-nostdin", "-loglevel", "error", "-rtsp_transport", "tcp",
                    "-i", server.url(f"/cam{i}/main", credentials=True),
                    "-c", "copy", "-map", "0:v", "-f", "segment",
                    "-segment_time", str(args.segment), "-reset_timestamps", "1",
                    "-segment_format", "mp4", str(out / "%06d.mp4"),
                ],
                stdin=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        )  # fmt: skip
    # Start timing once every process writes (anfang's start-up is not timed either).
    for _ in range(300):  # at most a minute
        if all(any((work / "ffmpeg" / f"cam{i}").iterdir()) for i in range(args.streams)):
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(1)
    pids = [p.pid for p in procs]
    sampler = Sampler()
    task = asyncio.create_task(sampler.run(pids))
    c0 = sum(cpu(p) for p in pids)
    w0 = time.monotonic()
    await asyncio.sleep(args.seconds)
    c1 = sum(cpu(p) for p in pids)
    wall = time.monotonic() - w0
    task.cancel()
    errors = []
    for p in procs:
        p.terminate()  # SIGTERM: ffmpeg finishes the open segment
    for p in procs:
        _, err = await asyncio.to_thread(p.communicate)
        if err.strip():
            errors.append(err.decode(errors="replace")[-200:])
    files = sorted((work / "ffmpeg").rglob("*.mp4"))
    return {
        "cpu_seconds": round(c1 - c0, 2),
        "cpu_percent_of_one_core": round(100 * (c1 - c0) / wall, 1),
        "peak_rss_mb": round(sampler.peak / 2**20, 1),
        "processes": len(pids),
        "segments": len(files),
        "stderr_examples": errors[:3],
        "files": check_files(files, args.segment, args.fps),
    }


# ----------------------------------------------------------------- retention


async def run_sweep(
    rows: int, work: Path, cameras: int = 64, database_url: str | None = None
) -> dict[str, Any]:
    """Index ``rows`` segments (a few minutes each, over ``cameras``), then time one sweep.

    Cameras keep 31 days except every fourth (30: the records rules' minimum, issue 19);
    the index spans 40 days, so that about a quarter of the rows are past retention, with
    real (empty) files to delete.
    """
    settings = Settings.model_validate(
        {
            "data_dir": work / "sweep",
            "database_url": database_url,
            "admin_password": "bench-password-1",
            "sia_enabled": False,
            "intercom_enabled": False,
            # the sweep is timed alone: the recorder's own periodic sweep would race it
            "video_recording": False,
            "video_min_free_bytes": 0,
            "sqlite_synchronous": "NORMAL",
        }
    )
    plat = Platform(settings)
    await plat.start()
    root = settings.data_dir / "recordings"
    try:
        per_cam = rows // cameras
        now = datetime(2026, 11, 24, tzinfo=UTC)
        span = timedelta(days=40)  # 1,000,000 rows over 64 cameras: 3.7-minute segments
        step = span / per_cam
        first = now - span
        t0 = time.monotonic()

        def setup(ctx: WriteContext) -> int:
            site = Site(code="bench", name="bench")
            ctx.session.add(site)
            ctx.session.flush()
            for c in range(cameras):
                dev = Device(
                    site_id=site.id, code=f"S-{c}", name="s", type="camera", subsystem="video"
                )
                ctx.session.add(dev)
                ctx.session.flush()
                ctx.session.add(
                    Camera(
                        id=c + 1,
                        device_id=dev.id,
                        main_url="rtsp://192.0.2.1/x",
                        retention_days=30 if c % 4 == 0 else 31,
                    )
                )
            ctx.session.flush()
            return site.id

        await plat.writer.run(setup)
        doomed = 0
        for c in range(1, cameras + 1):
            keep = now - timedelta(days=30 if (c - 1) % 4 == 0 else 31)
            batch = []
            for m in range(per_cam):
                st = first + step * m
                rel = segment_relpath(c, st)
                if st + step <= keep:
                    doomed += 1
                    f = root / rel
                    f.parent.mkdir(parents=True, exist_ok=True)
                    f.touch()
                batch.append(
                    {
                        "camera_id": c,
                        "start_at": st,
                        "end_at": st + step,
                        "bytes": 1,
                        "path": rel,
                        "codec": "h264",
                    }
                )

            def ins(ctx: WriteContext, batch: list[dict[str, Any]] = batch) -> None:
                ctx.session.execute(insert(Segment), batch)

            await plat.writer.run(ins)
        setup_s = time.monotonic() - t0
        sweeper = RetentionSweeper(plat, root)
        res = await sweeper.sweep(now)
        with plat.read_session() as s:
            left = s.query(Segment).count()
    finally:
        await plat.stop()
        shutil.rmtree(settings.data_dir, ignore_errors=True)
    return {
        "rows": per_cam * cameras,
        "rows_past_retention": doomed,
        "deleted": res.deleted,
        "rows_left": left,
        "sweep_seconds": round(res.seconds, 2),
        "setup_seconds": round(setup_s, 1),
        "target_seconds": 10,
        "ok": res.seconds <= 10 and left == per_cam * cameras - doomed,
    }


@contextlib.contextmanager
def pg_database(admin_url: str) -> Iterator[str]:
    """A scratch PostgreSQL database for the sweep (dropped afterwards); yields its URL."""
    import psycopg

    name = f"anfang_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ----------------------------------------------------------------- main


def markdown(result: dict[str, Any]) -> str:
    """The result as a Markdown report."""
    a = result.get("anfang", {})
    f = result.get("ffmpeg", {})
    s = result.get("sweep", {})
    p = result["params"]
    lines = [
        f"# Recording benchmark — {result['date']}",
        "",
        f"{p['streams']} RTSP streams, {p['width']}x{p['height']} H.264 {p['kbps']} kbps "
        f"{p['fps']} fps, recorded {p['seconds']} s in {p['segment']} s segments. "
        f"Machine: {result['machine']['cpu_model']} ({result['machine']['cores_usable']} cores). "
        f"Load at start: {result['load_average_at_start']}.",
        "",
        "| recorder | processes | CPU s | CPU % of one core | peak RSS MB | segments "
        "| bad files | gap rows |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in (("anfang", a), ("ffmpeg per camera", f)):
        if r:
            cells = [
                name,
                r["processes"],
                r["cpu_seconds"],
                r["cpu_percent_of_one_core"],
                r["peak_rss_mb"],
                r["segments"],
                r["files"]["bad"],
                r.get("gap_rows", "—"),
            ]
            lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    if a:
        lines += [
            "",
            "anfang's CPU and memory are its whole platform process (indexing, alarms, API, "
            f"other subsystems) plus the recording workers; the workers alone: "
            f"{a['workers_cpu_seconds']} CPU s, {a['workers_peak_rss_mb']} MB peak RSS.",
            "",
            f"anfang gap rows: {a['gap_rows']} in all, {a['gap_rows_in_window']} in the "
            "measured window (the others: first connection attempts before it).",
            "",
            "anfang: cameras covered every second of the window: "
            f"{a['cameras_fully_covered']}/{p['streams']}; largest join between consecutive "
            f"segments {a['max_join_seconds']} s.",
        ]
    lines.append(f"\nSimulator CPU (both runs): {result.get('simulator_cpu_seconds')} s.")
    pg = result.get("sweep_postgresql")
    if pg:
        lines.append(
            f"\nOn PostgreSQL: {pg['rows']:,} rows, {pg['rows_past_retention']:,} past retention: "
            f"**{pg['sweep_seconds']} s**."
        )
    if s:
        lines += [
            "",
            f"Retention sweep over {s['rows']:,} indexed segments "
            f"({s['rows_past_retention']:,} past retention, files deleted): "
            f"**{s['sweep_seconds']} s** (target ≤ 10 s), "
            f"rows left {s['rows_left']:,}.",
        ]
    lines.append("\nTargets: " + json.dumps(result["targets"]))
    return "\n".join(lines) + "\n"


async def amain(args: argparse.Namespace) -> list[Path]:
    """Run the whole benchmark; returns the result files."""
    result: dict[str, Any] = {
        "benchmark": "recording",
        **metadata(),
        "params": vars(args) | {"out": str(args.out)},
    }
    with tempfile.TemporaryDirectory(prefix="anfang-rec-bench-") as tmp:
        work = Path(tmp)
        if args.streams > 0:
            streams = [
                StreamSpec(
                    f"/cam{i}/main", args.width, args.height, args.fps, args.kbps, gop=args.fps * 2
                )
                for i in range(args.streams)
            ]
            server = SimCameraServer(streams, CACHE)
            await asyncio.to_thread(server.start)
            assert server._proc is not None
            sim_pid = server._proc.pid
            sim0 = cpu(sim_pid)
            try:
                result["anfang"] = await run_anfang(args, server, work)
                if not args.skip_ffmpeg:
                    result["ffmpeg"] = await run_ffmpeg(args, server, work)
            finally:
                result["simulator_cpu_seconds"] = round(cpu(sim_pid) - sim0, 1)
                await asyncio.to_thread(server.stop)
        if args.sweep_rows > 0:
            result["sweep"] = await run_sweep(args.sweep_rows, work)
            if args.sweep_pg:
                with pg_database(args.sweep_pg) as url:
                    result["sweep_postgresql"] = await run_sweep(
                        args.sweep_rows, work, database_url=url
                    )
    a, f = result.get("anfang"), result.get("ffmpeg")
    targets: dict[str, Any] = {}
    if a:
        targets["anfang_no_gaps"] = (
            a["gap_rows_in_window"] == 0
            and a["files"]["bad"] == 0
            and a["cameras_fully_covered"] == args.streams
        )
    if a and f:
        targets["cpu_not_above_ffmpeg"] = a["cpu_seconds"] <= f["cpu_seconds"]
    if "sweep" in result:
        targets["sweep_within_10s"] = result["sweep"]["ok"]
    if "sweep_postgresql" in result:
        targets["sweep_within_10s_postgresql"] = result["sweep_postgresql"]["ok"]
    result["targets"] = targets
    result["load_average_at_end"] = load_average()
    return write_results("recording", result, markdown(result), args.out)


def main(argv: list[str] | None = None) -> list[Path]:
    """Parse arguments and run."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    ap.add_argument("--streams", type=int, default=64)
    ap.add_argument("--seconds", type=float, default=120.0)
    ap.add_argument("--segment", type=int, default=10)
    ap.add_argument("--width", type=int, default=1920)
    ap.add_argument("--height", type=int, default=1080)
    ap.add_argument("--fps", type=int, default=25)
    ap.add_argument("--kbps", type=int, default=4000)
    ap.add_argument("--workers", type=int, default=2, help="anfang recorder processes")
    ap.add_argument("--sweep-rows", type=int, default=1_000_000)
    ap.add_argument("--skip-ffmpeg", action="store_true")
    ap.add_argument(
        "--sweep-pg",
        metavar="ADMIN_URL",
        help="also time the sweep on PostgreSQL (a scratch database is made through this "
        "server's admin URL, e.g. postgresql://postgres@127.0.0.1:5432/postgres)",
    )
    ap.add_argument("--out", type=Path, default=RESULTS_DIR)
    args = ap.parse_args(argv)
    paths = asyncio.run(amain(args))
    for p in paths:
        print(p)
    return paths


if __name__ == "__main__":
    main()
