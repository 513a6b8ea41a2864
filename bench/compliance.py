"""Compliance-checker benchmark: the whole live report for a large community.

``python -m bench.compliance [--buildings 200] [--devices 2000] [--days 30] [--quiet]``

A real anfang Platform (SQLite) holds a community of ``buildings`` residential buildings
(3 units of 18 floors, 2 homes per floor: 21,600 households at 200), a perimeter of
70 m zones, ``devices`` devices (cameras, door readers, gates, beams, LPR), a networked
home-alarm panel with panic and intrusion zones in every household, fences, and ``days``
of records: 10,000 events a day (a third of them alarm-family events), 100 alarms a day
with their linkage snapshots, and hour-long recording segments for every camera. The site
is imported through the site importer; the records are bulk-inserted (setup, not timed).

Timed: the checker run as the API runs it (read every fact, evaluate every rule, sign and
store the report), then its HTML and PDF rendering. Target (issue 19): the whole report
≤ 10 s on this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import insert, select

from anfang.app.platform import Platform
from anfang.compliance import reports
from anfang.config import Settings
from anfang.core.writer import WriteContext
from anfang.site.importer import import_site
from anfang.store.base import utcnow
from anfang.store.models import Alarm, AlarmDefinition, Device, EventRow, Household, Site
from anfang.subsystems.home_alarm.models import AlarmAccount, AlarmZone
from anfang.subsystems.physical.models import PhysicalItem
from anfang.subsystems.video.models import AlarmMedia, Camera, Segment
from bench.common import bench_main, result_page

TARGET_S = 10.0
EVENTS_PER_DAY = 10_000
ALARMS_PER_DAY = 100


def _id(at: datetime, rng: random.Random) -> str:
    """A ULID for a past time (anfang's ``new_id`` is for now): the same layout."""
    value = int(at.timestamp() * 1000) << 80 | rng.getrandbits(80)
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    return "".join(alphabet[(value >> s) & 31] for s in range(125, -5, -5))


def _settings(tmp: Path) -> Settings:
    return Settings.model_validate(
        {
            "data_dir": tmp,
            "admin_password": "bench-admin-password",
            "sia_port": 0,
            "intercom_sip_port": 0,
            "video_recording": False,
            "sia_enabled": False,
            "uplink_enabled": False,
        }
    )


def site_file(buildings: int, devices: int) -> dict[str, Any]:
    """The community as a site file."""
    cols = 20
    side_x, side_y = cols * 40 + 40, (buildings // cols + 1) * 60 + 40
    ring = [(0, 0), (side_x, 0), (side_x, side_y), (0, side_y), (0, 0)]
    zones, points = [], []
    for (ax, ay), (bx, by) in itertools.pairwise(ring):
        n = int(max(abs(bx - ax), abs(by - ay)) // 60) + 1
        points += [(ax + (bx - ax) * i / n, ay + (by - ay) * i / n) for i in range(n)]
    points.append(ring[0])
    for i, (a, b) in enumerate(itertools.pairwise(points)):
        zones.append(
            {
                "code": f"PZ{i:03d}",
                "name": f"周界{i}",
                "kind": "perimeter",
                "geometry": [list(a), list(b)],
            }
        )
    bs: list[dict[str, Any]] = [
        {
            "code": f"B{n:03d}",
            "name": f"{n}号楼",
            "floors": 18,
            "rooms_per_floor": 2,
            "map_x": 40 + (n % cols) * 40,
            "map_y": 40 + (n // cols) * 60,
            "units": [{"code": str(u), "name": f"{u}单元"} for u in (1, 2, 3)],
        }
        for n in range(buildings)
    ]
    devs: list[dict[str, Any]] = []
    kinds = [("camera", "video"), ("door_reader", "access"), ("ir_beam", "perimeter")]
    for i in range(devices):
        typ, sub = (
            kinds[i % 3]
            if i >= 40
            else (("barrier", "access") if i % 2 else ("lpr_camera", "parking"))
        )
        bld = bs[i % buildings]
        devs.append(
            {
                "code": f"D{i:05d}",
                "name": f"设备{i}",
                "type": typ,
                "subsystem": sub,
                "building": bld["code"],
                "unit": str(1 + i % 3),
                "map_x": bld["map_x"],
                "map_y": bld["map_y"] + 5,
            }
        )
    return {
        "site": {"code": "big", "name": "大型小区", "area_m2": 500_000.0},
        "buildings": bs,
        "zones": zones,
        "devices": devs,
    }


def _records(days: int, rng: random.Random) -> Any:
    def job(ctx: WriteContext) -> dict[str, int]:
        s = ctx.session
        now = utcnow()
        site = s.scalar(select(Site.id))
        homes = list(s.scalars(select(Household.id)))
        cams = [d for d, t in s.execute(select(Device.id, Device.type)) if t == "camera"]
        codes = list(s.scalars(select(Device.code)))
        s.execute(
            insert(AlarmAccount),
            [
                {"account": f"{i:06d}", "household_id": h, "site_id": site, "created_at": now}
                for i, h in enumerate(homes)
            ],
        )
        accts = list(s.scalars(select(AlarmAccount.id)))
        s.execute(
            insert(AlarmZone),
            [
                {"account_id": a, "zone": z, "zone_type": t}
                for a in accts
                for z, t in (("1", "panic"), ("2", "burglary"))
            ],
        )
        s.execute(
            insert(PhysicalItem),
            [
                {
                    "site_id": site,
                    "code": f"F{i:03d}",
                    "name": f"围墙{i}",
                    "kind": "wall",
                    "height_m": 2.2,
                }
                for i in range(120)
            ],
        )
        if cams:  # an empty list would insert one row of defaults
            s.execute(
                insert(Camera), [{"device_id": d, "main_url": "rtsp://127.0.0.1/x"} for d in cams]
            )
        cam_ids = list(s.scalars(select(Camera.id)))
        segs = [
            {
                "camera_id": c,
                "start_at": now - timedelta(hours=h + 1),
                "end_at": now - timedelta(hours=h),
                "bytes": 1,
                "path": f"{c}/{h}.mp4",
            }
            for c in cam_ids
            for h in range(days * 24)
        ]
        for i in range(0, len(segs), 50_000):
            s.execute(insert(Segment), segs[i : i + 50_000])
        kinds = [
            "perimeter.intrusion",
            "home_alarm.panic",
            "access.granted",
            "video.motion",
            "device.offline",
        ]
        events = []
        for d in range(days):
            for k in range(EVENTS_PER_DAY):
                at = now - timedelta(days=d, seconds=k * 86400 / EVENTS_PER_DAY)
                events.append(
                    {
                        "id": _id(at, rng),
                        "source": rng.choice(codes),
                        "kind": kinds[k % 5],
                        "severity": 2,
                        "occurred_at": at - timedelta(milliseconds=rng.randint(5, 900)),
                        "received_at": at,
                        "payload": {},
                        "media": [],
                        "cause": [],
                    }
                )
        for i in range(0, len(events), 50_000):
            s.execute(insert(EventRow), events[i : i + 50_000])
        definition = s.scalar(select(AlarmDefinition.id))
        alarms, media = [], []
        for d in range(days):
            for k in range(ALARMS_PER_DAY):
                at = now - timedelta(days=d, minutes=k * 14)
                aid = _id(at, rng)
                alarms.append(
                    {
                        "id": aid,
                        "definition_id": definition,
                        "source": "x",
                        "kind": "perimeter.intrusion",
                        "title": "入侵",
                        "priority": 1,
                        "state": "resolved",
                        "first_event_id": aid,
                        "last_event_at": at,
                        "created_at": at,
                        "updated_at": at,
                        "acked_at": at + timedelta(seconds=rng.randint(5, 120)),
                    }
                )
                media.append(
                    {
                        "alarm_id": aid,
                        "kind": "snapshot",
                        "path": "p",
                        "sha256": "0" * 64,
                        "created_at": at + timedelta(seconds=rng.uniform(0.4, 3.0)),
                    }
                )
        s.execute(insert(Alarm), alarms)
        s.execute(insert(AlarmMedia), media)
        return {
            "households": len(homes),
            "events": len(events),
            "alarms": len(alarms),
            "segments": len(segs),
            "cameras": len(cam_ids),
        }

    return job


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Build the community, then time the report."""
    with tempfile.TemporaryDirectory(prefix="anfang-bench-compliance-") as tmp:
        platform = Platform(_settings(Path(tmp)))
        await platform.start()
        try:
            t0 = time.perf_counter()
            data = yaml.safe_dump(
                site_file(args.buildings, args.devices), allow_unicode=True
            ).encode()
            imported = await import_site(platform, data, actor="bench")
            if imported.errors:
                raise RuntimeError(f"site import failed: {imported.errors[:3]}")
            sizes = await platform.writer.run(_records(args.days, random.Random(19)))
            setup_s = time.perf_counter() - t0
            t1 = time.perf_counter()
            rid = await reports.generate(platform, "bench", "live", None)
            check_s = time.perf_counter() - t1
            with platform.read_session() as s:
                body = reports.body(s, platform.audit.key.public_key(), rid)
            t2 = time.perf_counter()
            html = await asyncio.to_thread(reports.render, platform, body, "html")
            pdf = await asyncio.to_thread(reports.render, platform, body, "pdf")
            render_s = time.perf_counter() - t2
        finally:
            await platform.stop()
    return {
        "buildings": args.buildings,
        "devices": args.devices,
        "days": args.days,
        **sizes,
        "setup_s": round(setup_s, 1),
        "check_s": round(check_s, 2),
        "render_s": round(render_s, 2),
        "total_s": round(check_s + render_s, 2),
        "html_bytes": len(html),
        "pdf_bytes": len(pdf),
        "tally": body["tally"],
        "rules": len(body["results"]),
    }


def markdown(meta: dict[str, Any], r: dict[str, Any]) -> str:
    """The result as a page."""
    ok = "✓" if r["total_s"] <= TARGET_S else "✗"
    community = (
        f"Community: {r['buildings']} buildings, {r['households']:,} households "
        "(each with a panel), "
        f"{r['devices']:,} devices ({r['cameras']} cameras), {r['days']} days of records: "
        f"{r['events']:,} events, {r['alarms']:,} alarms, {r['segments']:,} recording segments. "
        f"Setup (not timed) {r['setup_s']} s."
    )
    rows = [
        (f"live report: facts read, {r['rules']} rules checked, signed and stored",
         f"{r['check_s']} s", "—"),
        (f"HTML ({r['html_bytes'] // 1024} KB) and PDF ({r['pdf_bytes'] // 1024} KB) "
         "rendered and signed", f"{r['render_s']} s", "—"),
        ("the whole report", f"{r['total_s']} s", f"≤ {TARGET_S:g} s {ok}"),
    ]  # fmt: skip
    t = r["tally"]
    verdict = (
        f"Verdict {t['verdict']}: pass {t['pass']}, fail {t['fail']}, advisory {t['advisory']}."
    )
    return result_page(
        "Compliance-checker benchmark", meta, rows, intro=[community], tail=[verdict]
    )


def main(argv: list[str] | None = None) -> list[Path]:
    """Run and write ``bench/results/compliance-*.{json,md}``."""
    return bench_main(
        "compliance",
        __doc__,
        argv,
        [
            ("--buildings", {"type": int, "default": 200}),
            ("--devices", {"type": int, "default": 2000}),
            ("--days", {"type": int, "default": 30}),
        ],
        run,
        markdown,
    )


if __name__ == "__main__":
    main()
