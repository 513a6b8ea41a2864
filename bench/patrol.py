"""Guard-tour benchmark: check-ins per second through the real interface, and the time to
judge every round of a day.

``python -m bench.patrol [--routes 50] [--checkpoints 200] [--every-min 60] [--quiet]``

A real anfang Platform (SQLite, every check-in durable before the 200) is set up with C
checkpoints, R routes of 8–12 of them (3 minutes apart) walked every ``every_min`` minutes
by R guards with a reader each. A loader in its own process plays yesterday's patrols:
each reader uploads its day as signed ``POST /api/v1/ingest/events`` batches of 100 (docked
readers), then phones send 2,000 check-ins one per request (20 at a time). Most rounds are
walked on time, some late, 5 % of points skipped, 3 % of rounds never started. Then the
round clock plans and judges the whole day once (every round new), and once more (nothing
changed). Targets (issue 16): judging a day of 200 checkpoints and 50 routes ≤ 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import orjson
from sqlalchemy import func, select, update

from anfang.app.platform import Platform
from anfang.config import Settings
from anfang.core.writer import WriteContext
from anfang.ingest import http_push as hp
from anfang.store.base import utcnow
from anfang.store.models import Device, Site
from anfang.subsystems.patrol.component import PATROL
from anfang.subsystems.patrol.evaluator import materialize
from anfang.subsystems.patrol.models import (
    PatrolCheckin,
    PatrolCheckpoint,
    PatrolGuard,
    PatrolRound,
    PatrolRoute,
    PatrolSchedule,
)
from bench.api_server import serve_api
from bench.common import bench_main, result_page

TZ = ZoneInfo("Asia/Shanghai")
SECRET = "b" * 32
BATCH = 100
PHONES, PHONE_SWIPES = 20, 2000
TARGET_EVAL_S = 1.0


def _setup(ctx: WriteContext, n_cp: int, n_routes: int, every: int, since: datetime) -> None:
    s = ctx.session
    site = Site(code="bench", name="bench")
    s.add(site)
    s.flush()
    rng = random.Random(1)
    cps = [
        PatrolCheckpoint(
            site_id=site.id, code=f"CP{i}", name=f"CP{i}", tag_kind="rfid", tag=f"{i:08X}"
        )
        for i in range(n_cp)
    ]
    s.add_all(cps)
    s.flush()
    for r in range(n_routes):
        pts = rng.sample(cps, rng.randint(8, 12))
        route = PatrolRoute(
            site_id=site.id,
            code=f"R{r}",
            name=f"R{r}",
            tolerance_min=2.0,
            grace_min=0.0,
            points=[
                {"checkpoint_id": c.id, "after_min": 0 if k == 0 else 3} for k, c in enumerate(pts)
            ],
        )
        guard = PatrolGuard(site_id=site.id, code=f"G{r}", name=f"G{r}")
        s.add_all([route, guard])
        s.flush()
        s.add(
            PatrolSchedule(
                route_id=route.id,
                name="all day",
                guard_id=guard.id,
                days=[1, 2, 3, 4, 5, 6, 7],
                times=[],
                every_min=every,
                start_window_min=10,
                updated_at=since,
            )
        )
        s.add(
            Device(
                site_id=site.id,
                code=f"PR{r}",
                name=f"PR{r}",
                type="patrol_reader",
                subsystem="patrol",
                secret=SECRET,
            )
        )
    for p in range(PHONES):
        s.add(
            Device(
                site_id=site.id,
                code=f"PH{p}",
                name=f"PH{p}",
                type="patrol_phone",
                subsystem="patrol",
                secret=SECRET,
            )
        )
    ctx.mark_changed("devices")
    ctx.mark_changed("patrol_config")


def plan_day(
    routes: list[tuple[int, list[str]]], day: datetime, every: int
) -> dict[str, list[Any]]:
    """Each reader's swipes for the day: ``{device: [(iso time, tag), ...]}``."""
    rng = random.Random(2)
    out: dict[str, list[Any]] = {}
    for r, tags in routes:
        swipes = out.setdefault(f"PR{r}", [])
        for k in range(24 * 60 // every):
            if rng.random() < 0.03:
                continue  # never started
            t = day + timedelta(minutes=k * every + rng.uniform(0, 3))
            for i, tag in enumerate(tags):
                if i:
                    t += timedelta(minutes=3 * rng.uniform(0.9, 1.25))
                if rng.random() >= 0.05:
                    swipes.append((t.isoformat(), tag))
    return out


def _signed(code: str, events: list[dict[str, Any]]) -> tuple[bytes, dict[str, str]]:
    body = orjson.dumps({"events": events})
    stamp = str(int(time.time()))
    return body, {
        "Content-Type": "application/json",
        "X-Anfang-Device": code,
        "X-Anfang-Timestamp": stamp,
        "X-Anfang-Signature": hp.sign(SECRET, stamp, body),
    }


async def _load(url: str, day: dict[str, list[Any]], phone_tags: list[str]) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:

        async def reader(code: str, swipes: list[Any]) -> None:
            for i in range(0, len(swipes), BATCH):
                evs = [
                    {
                        "id": f"{code}-{i + j}",
                        "kind": "patrol.checkpoint",
                        "occurred_at": at,
                        "payload": {"tag": tag, "guard": code.replace("PR", "G")},
                    }
                    for j, (at, tag) in enumerate(swipes[i : i + BATCH])
                ]
                body, headers = _signed(code, evs)
                r = await client.post("/api/v1/ingest/events", content=body, headers=headers)
                r.raise_for_status()

        t0 = time.perf_counter()
        await asyncio.gather(*(reader(c, s) for c, s in day.items()))
        batch_s = time.perf_counter() - t0
        latencies: list[float] = []

        async def phone(p: int) -> None:
            for i in range(PHONE_SWIPES // PHONES):
                at = utcnow().isoformat()
                ev = {
                    "id": f"ph{p}-{i}",
                    "kind": "patrol.checkpoint",
                    "occurred_at": at,
                    "payload": {"tag": phone_tags[(p * 31 + i) % len(phone_tags)]},
                }
                body, headers = _signed(f"PH{p}", [ev])
                t = time.perf_counter()
                r = await client.post("/api/v1/ingest/events", content=body, headers=headers)
                r.raise_for_status()
                latencies.append((time.perf_counter() - t) * 1000)

        t1 = time.perf_counter()
        await asyncio.gather(*(phone(p) for p in range(PHONES)))
        single_s = time.perf_counter() - t1
    latencies.sort()
    n = sum(len(s) for s in day.values())
    return {
        "batch": {"checkins": n, "seconds": round(batch_s, 2), "per_s": round(n / batch_s)},
        "single": {
            "checkins": PHONE_SWIPES,
            "seconds": round(single_s, 2),
            "per_s": round(PHONE_SWIPES / single_s),
            "p50_ms": round(latencies[len(latencies) // 2], 1),
            "p99_ms": round(latencies[int(len(latencies) * 0.99)], 1),
        },
    }


def _loader(url: str, day: dict[str, list[Any]], tags: list[str], out: Any) -> None:
    out.put(asyncio.run(_load(url, day, tags)))


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Set up, load, judge; the measured figures."""
    with tempfile.TemporaryDirectory(prefix="anfang-bench-patrol-") as tmp:
        settings = Settings.model_validate(
            {
                "data_dir": Path(tmp),
                "admin_password": "bench-Passw0rd!",
                "sia_port": 0,
                "intercom_sip_port": 0,
                "video_recording": False,
                "patrol_eval_interval_seconds": 1e6,
            }
        )
        platform = Platform(settings)
        await platform.start()
        try:
            today = utcnow().astimezone(TZ).replace(hour=0, minute=0, second=0, microsecond=0)
            day = today - timedelta(days=1)
            await platform.writer.run(
                lambda ctx: _setup(
                    ctx, args.checkpoints, args.routes, args.every_min, day - timedelta(days=1)
                )
            )
            with platform.read_session() as s:
                tag_of = {c.id: c.tag for c in s.scalars(select(PatrolCheckpoint))}
                routes = [
                    (int(r.code[1:]), [tag_of[p["checkpoint_id"]] for p in r.points])
                    for r in s.scalars(select(PatrolRoute))
                ]
            swipes = plan_day(routes, day, args.every_min)
            async with serve_api(platform) as port:
                queue: Any = multiprocessing.get_context("spawn").Queue()
                proc = multiprocessing.get_context("spawn").Process(
                    target=_loader,
                    args=(f"http://127.0.0.1:{port}", swipes, list(tag_of.values()), queue),
                )
                proc.start()
                load = await asyncio.to_thread(queue.get)
                await asyncio.to_thread(proc.join)
            patrol = platform.capabilities.require(PATROL)
            judge_at = day + timedelta(days=1, hours=2)
            plan_day_ = judge_at.astimezone(TZ).date()
            tp = time.perf_counter()  # planning the three days around it, apart from judging
            await platform.writer.run(
                lambda ctx: materialize(
                    ctx.session, plan_day_ - timedelta(days=1), plan_day_ + timedelta(days=1), TZ
                )
            )
            plan_s = time.perf_counter() - tp
            t0 = time.perf_counter()
            changed = await patrol.tick(judge_at)
            first_s = time.perf_counter() - t0
            t1 = time.perf_counter()
            again = await patrol.tick(judge_at)
            steady_s = time.perf_counter() - t1
            with platform.read_session() as s:
                n_rounds = s.scalar(
                    select(func.count())
                    .select_from(PatrolRound)
                    .where(PatrolRound.day == day.date())
                )
                by_status = dict(
                    s.execute(
                        select(PatrolRound.status, func.count())
                        .where(PatrolRound.day == day.date())
                        .group_by(PatrolRound.status)
                    ).all()
                )
                stored = s.scalar(select(func.count()).select_from(PatrolCheckin))
            # Every round dirty again: as after a bulk upload touching the whole day.
            await platform.writer.run(
                lambda ctx: ctx.session.execute(update(PatrolRound).values(dirty=True))
            )
            t2 = time.perf_counter()
            await patrol.tick(judge_at)
            rejudge_s = time.perf_counter() - t2
        finally:
            await platform.stop()
    return {
        "setup": {
            "checkpoints": args.checkpoints,
            "routes": args.routes,
            "every_min": args.every_min,
        },
        "load": load,
        "checkins_stored": stored,
        "evaluation": {
            "rounds_of_day": n_rounds,
            "changed_first": changed,
            "changed_again": again,
            "plan_3_days_s": round(plan_s, 3),
            "first_s": round(first_s, 3),
            "steady_s": round(steady_s, 3),
            "rejudge_all_s": round(rejudge_s, 3),
            "by_status": by_status,
        },
    }


def markdown(meta: dict[str, Any], res: dict[str, Any]) -> str:
    """The result as a page."""
    ev, ld, su = res["evaluation"], res["load"], res["setup"]
    b, one = ld["batch"], ld["single"]
    ok = "✓" if ev["first_s"] <= TARGET_EVAL_S else "✗"
    day = f"{ev['rounds_of_day']} rounds, {su['checkpoints']} checkpoints, {su['routes']} routes"
    rows = [
        (f"check-ins/s, reader batches of {BATCH} (durable before the 200)",
         f"{b['per_s']} ({b['checkins']} in {b['seconds']} s)", "—"),
        (f"check-ins/s, one per request, {PHONES} phones",
         f"{one['per_s']} (p50 {one['p50_ms']} ms, p99 {one['p99_ms']} ms)", "—"),
        (f"judge a whole day, every round new ({day})", f"{ev['first_s']} s",
         f"≤ {TARGET_EVAL_S} s {ok}"),
        ("plan the rounds of three days (before judging)", f"{ev['plan_3_days_s']} s", "—"),
        ("judge it again, nothing changed", f"{ev['steady_s']} s", "—"),
        ("re-judge every round (all marked dirty)", f"{ev['rejudge_all_s']} s", "—"),
    ]  # fmt: skip
    tail = [f"Rounds by verdict: {ev['by_status']}"]
    return result_page("Guard-tour benchmark", meta, rows, tail=tail)


def main(argv: list[str] | None = None) -> list[Path]:
    """Run and write ``bench/results/patrol-*.{json,md}``."""
    return bench_main(
        "patrol",
        __doc__,
        argv,
        [
            ("--routes", {"type": int, "default": 50}),
            ("--checkpoints", {"type": int, "default": 200}),
            ("--every-min", {"type": int, "default": 60}),
        ],
        run,
        markdown,
    )


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
