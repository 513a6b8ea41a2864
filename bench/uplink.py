"""Police-uplink benchmark: a 5,000-channel catalog answered, alarm → upper NOTIFY latency,
face records uploaded per second with their images.

``python -m bench.uplink [--channels 5000] [--alarms 300] [--faces 2000] [--quiet]``

A real anfang Platform (SQLite) reports to a simulated GB/T 28181 upper platform (SIP over
UDP on 127.0.0.1, answering like a real one: digest registration, 200 to every MESSAGE)
and a simulated GA/T 1400 view library (HTTP, digest, checks every record), both in this
process. Catalog: the upper queries a site of ``channels`` cameras; time until every part
arrived and how many MESSAGEs it took (each under 1,300 bytes). Alarms: events from distinct
detectors, paced at 20/s, each timed from its submission to the pipeline to the upper
receiving its Alarm Notify (through the durable outbox). Faces: ``faces`` captures (a
~25 KB JPEG each, sealed on disk like the access subsystem's) arrive in batches of 100;
uploads per second from the first to the last accepted by the view library.
Targets (issue 18): alarm → NOTIFY p99 ≤ 500 ms; ≥ 200 face records/s with images.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from PIL import Image
from pydantic import SecretStr
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.config import Settings
from anfang.core.events import Event
from anfang.core.writer import WriteContext
from anfang.store.models import Device, Site
from anfang.subsystems.access import captures
from anfang.uplink import service
from anfang.uplink.adapters import gb28181 as gb
from anfang.uplink.component import UPLINK
from anfang.uplink.models import OutboxItem
from anfang.uplink.schemas import PlatformIn
from anfang.uplink.sim_upper import SimUpper
from anfang.uplink.sim_viid import SimViid
from bench.common import bench_main, latency_summary, result_page

UPPER_ID, VIID_ID = "34020000002000000001", "34020000005030000001"
LOCAL_ID = "34020000002000000099"
PASSWORD = "bench-upper-pw"
TARGET_NOTIFY_P99_MS = 500.0
TARGET_FACES_PER_S = 200.0
ALARM_RATE = 20.0


def _settings(tmp: Path) -> Settings:
    return Settings.model_validate(
        {
            "data_dir": tmp,
            "admin_password": "bench-admin-password",
            "sia_port": 0,
            "intercom_sip_port": 0,
            "video_recording": False,
            "sia_enabled": False,
        }
    )


async def _devices(platform: Platform, channels: int, beams: int, terminals: int) -> None:
    def job(ctx: WriteContext) -> None:
        site = Site(code="bench", name="基准小区")
        ctx.session.add(site)
        ctx.session.flush()
        rows = [(f"CAM-{i:05d}", "camera") for i in range(channels)]
        rows += [(f"PB-{i:04d}", "ir_beam") for i in range(beams)]
        rows += [(f"FT-{i:02d}", "face_terminal") for i in range(terminals)]
        ctx.session.add_all(
            Device(site_id=site.id, code=c, name=f"{c} 设备", type=t, subsystem="video")
            for c, t in rows
        )
        ctx.mark_changed("devices")

    await platform.writer.run(job)


async def _configure(platform: Platform, **fields: Any) -> int:
    data = {
        "name": fields.pop("name"),
        "host": "127.0.0.1",
        "local_id": LOCAL_ID,
        "password": SecretStr(PASSWORD),
        **fields,
    }
    pid = await service.save(platform, platform.secrets, "bench", PlatformIn.model_validate(data))
    await platform.capabilities.require(UPLINK).reconfigure()
    return pid


async def _until(cond: Any, within_s: float) -> None:
    deadline = time.monotonic() + within_s
    while not cond():
        if time.monotonic() > deadline:
            raise TimeoutError("benchmark condition not met")
        await asyncio.sleep(0.005)


async def _catalog(upper: SimUpper, channels: int) -> dict[str, Any]:
    start = time.perf_counter()
    parts = await upper.query("Catalog", wait=120.0)
    seconds = time.perf_counter() - start
    items = sum(len(p.items) for p in parts)
    return {
        "channels": channels,
        "items": items,
        "messages": len(parts),
        "seconds": round(seconds, 3),
    }


async def _alarms(platform: Platform, upper: SimUpper, n: int) -> dict[str, Any]:
    up = platform.capabilities.require(UPLINK)
    sent: dict[str, float] = {}
    got: dict[str, float] = {}

    def on_alarm(q: gb.Query) -> None:
        got.setdefault(q.device_id, time.perf_counter())

    upper.on_alarm = on_alarm
    for i in range(n):
        code = f"PB-{i:04d}"
        nid = up.national_id(code, None) or ""
        sent[nid] = time.perf_counter()
        await platform.pipeline.submit(Event.create("perimeter.intrusion", code))
        await asyncio.sleep(1 / ALARM_RATE)
    await _until(lambda: len(got) >= n, 60)
    lat = [(got[k] - sent[k]) * 1000 for k in sent if k in got]
    return {"alarms": n, "rate_per_s": ALARM_RATE, "latency_ms": latency_summary(lat)}


def _jpeg(seed: int) -> bytes:
    rnd = random.Random(seed)
    img = Image.effect_noise((240, 320), 40).convert("RGB")
    img.paste((rnd.randrange(255), 120, 90), (0, 0, 60, 60))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


async def _faces(platform: Platform, viid: SimViid, n: int) -> dict[str, Any]:
    images = [_jpeg(i) for i in range(16)]
    size = sum(len(i) for i in images) // len(images)
    names = [captures.save(platform, images[i % 16]).image for i in range(n)]
    start = time.perf_counter()
    for chunk in range(0, n, 100):
        events = [
            Event.create(
                "access.granted", f"FT-{i % 10:02d}", media=[{"type": "capture", "name": names[i]}]
            )
            for i in range(chunk, min(n, chunk + 100))
        ]
        await platform.pipeline.submit_many(events)
    queued_s = time.perf_counter() - start
    await _until(lambda: len(viid.seen.faces) >= n, 300)
    first, last = viid.seen.received_at[0], viid.seen.received_at[-1]
    per_s = (n - 1) / (last - first) if last > first else float(n)
    return {
        "faces": n,
        "image_bytes": size,
        "queued_s": round(queued_s, 3),
        "per_s": round(per_s, 1),
        "refused": len(viid.seen.refusals),
        "end_to_end_s": round(last - start + 0.0, 3),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Set up, measure, tear down."""
    with tempfile.TemporaryDirectory() as tmp:
        platform = Platform(_settings(Path(tmp)))
        await platform.start()
        upper = SimUpper(UPPER_ID, PASSWORD)
        viid = SimViid({LOCAL_ID: PASSWORD})
        await upper.start()
        await viid.start()
        try:
            await _devices(platform, args.channels, args.alarms, 10)
            up = platform.capabilities.require(UPLINK)
            await _until(lambda: up.national_id("FT-09", None) is not None, 60)
            await _configure(
                platform,
                name="上级",
                protocol="gb28181",
                server_id=UPPER_ID,
                port=upper.endpoint.local[1],
                share=["camera", "ir_beam"],
            )
            await _until(lambda: upper.lower is not None, 30)
            catalog = await _catalog(upper, args.channels + args.alarms)
            alarms = await _alarms(platform, upper, args.alarms)
            await _configure(
                platform,
                name="视图库",
                protocol="ga1400",
                server_id=VIID_ID,
                port=viid.port,
                transport="http",
            )
            await _until(lambda: LOCAL_ID in viid.seen.registered, 30)
            faces = await _faces(platform, viid, args.faces)
            left = -1
            for _ in range(100):  # the last batches' outcomes are being recorded
                with platform.read_session() as s:
                    queued = select(OutboxItem.id).where(OutboxItem.state == "queued")
                    left = len(s.scalars(queued).all())
                if not left:
                    break
                await asyncio.sleep(0.1)
        finally:
            await viid.stop()
            await upper.stop()
            await platform.stop()
    return {"catalog": catalog, "alarms": alarms, "faces": faces, "left_queued": left}


def markdown(meta: dict[str, Any], res: dict[str, Any]) -> str:
    """The result as a page."""
    c, a, f = res["catalog"], res["alarms"], res["faces"]
    lat = a["latency_ms"]
    ok_a = "✓" if (lat["p99"] or 1e9) <= TARGET_NOTIFY_P99_MS else "✗"
    ok_f = "✓" if f["per_s"] >= TARGET_FACES_PER_S else "✗"
    rows = [
        (
            f"catalog of {c['channels']} channels answered (UDP, each MESSAGE < 1,300 bytes)",
            f"{c['seconds']} s, {c['messages']} MESSAGEs, {c['items']} items",
            "—",
        ),
        (
            f"alarm event → upper's Alarm Notify ({a['alarms']} alarms at {a['rate_per_s']:g}/s)",
            f"p50 {lat['p50']} ms, p99 {lat['p99']} ms, max {lat['max']} ms",
            f"p99 ≤ {TARGET_NOTIFY_P99_MS:g} ms {ok_a}",
        ),
        (
            f"face records uploaded with a {f['image_bytes'] // 1024} KB image ({f['faces']})",
            f"{f['per_s']}/s (end to end {f['end_to_end_s']} s, refused {f['refused']})",
            f"≥ {TARGET_FACES_PER_S:g}/s {ok_f}",
        ),
    ]
    tail = [f"Items still queued at the end: {res['left_queued']}"]
    return result_page("Police-uplink benchmark", meta, rows, tail=tail)


def main(argv: list[str] | None = None) -> list[Path]:
    """Run and write ``bench/results/uplink-*.{json,md}``."""
    return bench_main(
        "uplink",
        __doc__,
        argv,
        [
            ("--channels", {"type": int, "default": 5000}),
            ("--alarms", {"type": int, "default": 300}),
            ("--faces", {"type": int, "default": 2000}),
        ],
        run,
        markdown,
    )


if __name__ == "__main__":
    main()
