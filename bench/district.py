"""District benchmark: 50 communities publish to one district node over NATS JetStream.

``python -m bench.district [--communities 50] [--rate 200] [--seconds 20] [--quiet]``

Needs the NATS server with JetStream on 127.0.0.1:4222 (``make test`` starts it; says so
and stops when it is missing). Each community publishes ``rate`` events a second, in the
federation's wire format and the way a community node does it (JetStream publish with a
de-duplication id, a batch in flight at a time), from worker processes (ten communities
each); the district node, the real :class:`anfang.uplink.district.DistrictNode`, follows
the stream in this process. Measured: events applied per second at the district and the
lag from a community's publish to the district applying it. The rate applied can only
show capacity when more is offered than the target (by default 10,000/s); the workers
start a moment apart, so a run offered exactly N/s measures a little under N. The stream
is the run's own and is deleted after. Targets (issue 18): ≥ 5,000 events/s, p99 lag ≤ 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import socket
import time
import uuid
from pathlib import Path
from typing import Any

import nats

from anfang.uplink.adapters import district as wire
from anfang.uplink.adapters.district_link import connect
from anfang.uplink.district import DistrictNode
from bench.common import bench_main, latency_summary, result_page

URL = "nats://127.0.0.1:4222"
TARGET_PER_S = 5000.0
TARGET_LAG_P99_S = 1.0
PER_WORKER = 10


class _Settings:
    def __init__(self, stream: str) -> None:
        self.uplink_district_url = URL
        self.uplink_district_stream = stream


class _Kernel:
    def __init__(self, stream: str) -> None:
        self.settings = _Settings(stream)


def _worker(stream: str, codes: list[str], rate: float, seconds: float, out: Any) -> None:
    out.put(asyncio.run(_publish(stream, codes, rate, seconds)))


async def _publish(stream: str, codes: list[str], rate: float, seconds: float) -> int:
    _, js = await connect(URL, stream, f"bench-{codes[0]}")
    sent = 0
    tick = 0.05
    per_tick = rate * tick
    start = time.monotonic()
    due = 0.0
    seq = {c: 0 for c in codes}
    while time.monotonic() - start < seconds:
        due += per_tick
        n = int(due)
        due -= n
        sends = []
        for c in codes:
            for _ in range(n):
                seq[c] += 1
                data = {"id": f"{c}-{seq[c]}", "kind": "perimeter.intrusion", "source": "PB-1"}
                raw = wire.encode(c, "events", seq[c], time.time(), data)
                subject = wire.subject(stream, c, "events")
                headers = {"Nats-Msg-Id": wire.msg_id(c, seq[c])}
                sends.append(js.publish(subject, raw, headers=headers))
        await asyncio.gather(*sends)
        sent += len(sends)
        await asyncio.sleep(max(0.0, start + (sent / (rate * len(codes))) - time.monotonic()))
    return sent


async def _poll(cond: Any, within_s: float) -> None:
    """Wait for ``cond()`` (the node's counters have no event to wait on), at most ``within_s``."""
    deadline = time.monotonic() + within_s
    while not cond() and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.02)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Publish from worker processes, follow in this one, measure."""
    stream = f"ANFANG_BENCH_{uuid.uuid4().hex[:8].upper()}"
    node = DistrictNode(_Kernel(stream))  # type: ignore[arg-type]
    await node.start()
    await _poll(lambda: node.connected, 30)
    codes = [f"C{i:03d}" for i in range(args.communities)]
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [
        ctx.Process(
            target=_worker, args=(stream, codes[i : i + PER_WORKER], args.rate, args.seconds, out)
        )
        for i in range(0, len(codes), PER_WORKER)
    ]
    started = time.monotonic()
    first_applied = None
    for p in procs:
        p.start()
    while any(p.is_alive() for p in procs):
        await asyncio.sleep(0.1)
        if first_applied is None and node.applied:
            first_applied = time.monotonic()
    sent = sum(out.get() for _ in procs)
    await _poll(lambda: node.applied >= sent, 60)
    finished = time.monotonic()
    await node.stop()
    lags = [lag * 1000 for c in node.communities.values() for lag in c.lags]
    nc = await nats.connect(URL)
    await nc.jetstream().delete_stream(stream)
    await nc.close()
    span = finished - (first_applied or started)
    return {
        "communities": args.communities,
        "rate_per_community": args.rate,
        "seconds": args.seconds,
        "published": sent,
        "applied": node.applied,
        "applied_per_s": round(node.applied / span, 1),
        "lag_ms": latency_summary(lags),
        "lag_samples": len(lags),
    }


def markdown(meta: dict[str, Any], res: dict[str, Any]) -> str:
    """The result as a page."""
    lag = res["lag_ms"]
    p99_s = (lag["p99"] or 1e9) / 1000
    ok_rate = "✓" if res["applied_per_s"] >= TARGET_PER_S else "✗"
    ok_lag = "✓" if p99_s <= TARGET_LAG_P99_S else "✗"
    offered = res["communities"] * res["rate_per_community"]
    rows = [
        (
            f"events applied at the district ({res['communities']} communities × "
            f"{res['rate_per_community']:g}/s = {offered:g}/s offered, {res['seconds']:g} s)",
            f"{res['applied_per_s']}/s ({res['applied']} of {res['published']})",
            f"≥ {TARGET_PER_S:g}/s {ok_rate}",
        ),
        (
            "lag, community publish → district applied",
            f"p50 {lag['p50']} ms, p99 {lag['p99']} ms, max {lag['max']} ms",
            f"p99 ≤ {TARGET_LAG_P99_S:g} s {ok_lag}",
        ),
    ]
    return result_page("District benchmark", meta, rows)


def nats_up() -> bool:
    """Whether NATS answers on 127.0.0.1:4222."""
    try:
        with socket.create_connection(("127.0.0.1", 4222), timeout=1):
            return True
    except OSError:
        return False


def _nats_missing() -> str | None:
    if nats_up():
        return None
    return "NATS JetStream is not running on 127.0.0.1:4222 (scripts/services.sh starts it)"


def main(argv: list[str] | None = None) -> list[Path]:
    """Run and write ``bench/results/district-*.{json,md}``."""
    return bench_main(
        "district",
        __doc__,
        argv,
        [
            ("--communities", {"type": int, "default": 50}),
            ("--rate", {"type": float, "default": 200.0}),
            ("--seconds", {"type": float, "default": 20.0}),
        ],
        run,
        markdown,
        missing=_nats_missing,
    )


if __name__ == "__main__":
    main()
