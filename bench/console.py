"""Console benchmark: the monitoring centre at the scale of a busy year.

``python -m bench.console [--events 1000000] [--open 10000] [--rate 200] [--seconds 30]``

A real ``anfang serve`` (SQLite) runs over a database holding E events spread over 90 days,
O open alarms and 3×O closed ones. wrk (the HTTP load tool, paced by ``bench/load/paced.lua``)
offers a steady R requests/s to a mix of the console's reads: the queue's first page, history
searches (a kind family over 30 days, false alarms), the newest events, a rare kind family,
one day 30 days back. Then Debian's Chromium opens the console (the whole queue of O open
alarms in one request) and a door reader pushes a duress alarm (P1) over the signed HTTP
interface, ten times: the time from the POST to the alarm's line in the queue, measured in
the browser.
Targets (issue 17): API p99 ≤ 50 ms at 200 requests/s; new alarm in the browser ≤ 1 s.
Needs wrk and Chromium (``make bench-console`` installs them with
``scripts/debian-packages.sh bench``); says so and stops when either is missing.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson

from anfang.ingest.http_push import sign
from bench.common import RESULTS_DIR, latency_summary, metadata, write_results

LOAD_DIR = Path(__file__).resolve().parent / "load"
PASSWORD = "bench-console-admin-pw-1"
SECRET = "bench-console-device-secret-0001"
TARGET_P99_MS = 50.0
TARGET_BROWSER_MS = 1000.0
KINDS = [  # kind, share, severity
    ("access.granted", 40, 0),
    ("access.denied", 6, 1),
    ("patrol.checkpoint", 12, 0),
    ("parking.entry", 8, 0),
    ("parking.exit", 8, 0),
    ("intercom.call", 6, 0),
    ("perimeter.intrusion", 4, 3),
    ("perimeter.restore", 4, 0),
    ("home_alarm.burglary", 1, 3),
    ("device.offline", 2, 2),
    ("device.online", 2, 0),
    ("video.loss", 1, 2),
    ("access.door_held", 3, 2),
    ("physical.inspection", 1, 0),
    ("alarm.escalated", 2, 3),
]
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def ulid_at(ms: int, rnd: random.Random) -> str:
    """A ULID for a time (events are stored newest-last by id, as the platform makes them)."""
    value = ms << 80 | rnd.getrandbits(80)
    return "".join(ALPHABET[(value >> (5 * i)) & 31] for i in range(25, -1, -1))


def _us(t: datetime) -> int:
    return int(t.timestamp() * 1_000_000)


def seed(db: Path, n_events: int, n_open: int, progress: bool) -> dict[str, Any]:
    """Fill the migrated database straight through SQLite (setup only; the platform is off)."""
    rnd = random.Random(17)
    now = datetime.now(UTC)
    start = now - timedelta(days=90)
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    defs = [r[0] for r in con.execute("SELECT id FROM alarm_definitions")]
    kinds = [k for k, share, _ in KINDS for _ in range(share)]
    sev = {k: s for k, _, s in KINDS}
    t0 = time.monotonic()
    span_ms = int((now - start).total_seconds() * 1000)
    batch: list[tuple[Any, ...]] = []
    times = sorted(rnd.randrange(span_ms) for _ in range(n_events))
    for i, off in enumerate(times):
        at = start + timedelta(milliseconds=off)
        kind = rnd.choice(kinds)
        ms = int(at.timestamp() * 1000)
        batch.append(
            (
                ulid_at(ms, rnd),
                None,
                f"DEV-{rnd.randrange(500):03d}",
                None,
                rnd.randrange(1, 13),
                kind,
                sev[kind],
                _us(at),
                _us(at),
                "{}",
                "[]",
                "[]",
            )
        )
        if len(batch) == 50_000:
            con.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?,?,NULL)", batch)
            batch.clear()
            if progress:
                print(f"  events {i + 1:,}/{n_events:,}", file=sys.stderr)
    if batch:
        con.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?,?,NULL)", batch)
    alarms = []
    alarm_kinds = ["perimeter.intrusion", "home_alarm.burglary", "access.door_held", "video.loss"]
    for i in range(n_open * 4):
        closed = i >= n_open
        days = 90 if closed else 7
        at = now - timedelta(seconds=rnd.randrange(days * 86400))
        kind = rnd.choice(alarm_kinds)
        state = (
            rnd.choice(["resolved", "false_alarm"])
            if closed
            else rnd.choice(["new", "acknowledged"])
        )
        disp = None if not closed else ("false" if state == "false_alarm" else "real")
        cause = "animal" if disp == "false" else None
        end = at + timedelta(seconds=rnd.randrange(60, 3600))
        alarms.append(
            (
                ulid_at(int(at.timestamp() * 1000), rnd),
                rnd.choice(defs),
                None,
                f"DEV-{rnd.randrange(500):03d}",
                None,
                rnd.randrange(1, 13),
                kind,
                f"{kind}（DEV）",
                rnd.randrange(1, 4),
                state,
                "0" * 26,
                _us(at),
                1,
                0,
                None,
                _us(at),
                _us(end if closed else at),
                None,
                "",
                _us(end) if state != "new" else None,
                _us(end) if closed else None,
                disp,
                cause,
            )
        )
    con.executemany(
        "INSERT INTO alarms (id, definition_id, site_id, source, device_id, zone_id, kind, title,"
        " priority, state, first_event_id, last_event_at, event_count, escalation_level,"
        " escalated_at, created_at, updated_at, assignee, dispatched_to, acked_at, closed_at,"
        " disposition, cause) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        alarms,
    )
    con.commit()
    con.execute("ANALYZE")
    con.close()
    return {
        "events": n_events,
        "open_alarms": n_open,
        "closed_alarms": n_open * 3,
        "seed_s": round(time.monotonic() - t0, 1),
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def serve(data_dir: Path) -> Iterator[str]:
    """``anfang serve`` over ``data_dir`` until the block ends; yields its base URL."""
    port = _free_port()
    env = {
        **os.environ,
        "ANFANG_DATA_DIR": str(data_dir),
        "ANFANG_ADMIN_PASSWORD": PASSWORD,
        "ANFANG_SIA_PORT": "0",
        "ANFANG_INTERCOM_SIP_PORT": "0",
        "ANFANG_VIDEO_RECORDING": "false",
        "ANFANG_ESCALATION_MAX_LEVEL": "0",
    }
    cli = Path(sys.executable).with_name("anfang")
    proc = subprocess.Popen(
        [str(cli), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base + "/healthz", timeout=1).status_code < 500:
                    break
            if proc.poll() is not None:
                raise SystemExit("anfang serve did not start")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def login(base: str) -> tuple[str, str]:
    """The admin's token and password (a password someone else set is changed first, as the
    API requires)."""
    with httpx.Client(base_url=base, timeout=30) as c:
        first = {"username": "admin", "password": PASSWORD}
        token = c.post("/api/v1/auth/token", json=first).json()["access_token"]
        me = c.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
        if not me.get("must_change_password"):
            return str(token), PASSWORD
        body = {"current_password": PASSWORD, "new_password": PASSWORD + "-own"}
        c.post("/api/v1/me/password", json=body, headers={"Authorization": f"Bearer {token}"})
        again = {"username": "admin", "password": PASSWORD + "-own"}
        token = c.post("/api/v1/auth/token", json=again).json()["access_token"]
        return str(token), PASSWORD + "-own"


def load(base: str, token: str, rate: int, seconds: int, paths: list[str]) -> dict[str, Any]:
    """One paced wrk run (``bench/load/paced.lua``) at ``rate`` requests/s."""
    conns = 16
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{conns}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(LOAD_DIR / "paced.lua"),
            base,
            "--",
            str(rate),
            str(conns),
            token,
            *paths,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = orjson.loads(out.stdout.strip().splitlines()[-1])
    result["offered_rps"] = rate
    result["achieved_rps"] = round(result["requests"] / result["duration_s"], 1)
    return result


def browser_alarm(base: str, token: str, password: str, rounds: int) -> dict[str, Any]:
    """Open the console, then push alarms from a device: POST → line in the queue, in ms."""
    from playwright.sync_api import sync_playwright

    with httpx.Client(base_url=base, timeout=30, headers={"Authorization": f"Bearer {token}"}) as c:
        site = c.post("/api/v1/sites", json={"code": "BENCH", "name": "基准小区"})
        device = {
            "site_id": site.json()["id"],
            "code": "PIR-BENCH",
            "name": "bench",
            "type": "door_reader",
            "subsystem": "access",
            "secret": SECRET,
        }
        r = c.post("/api/v1/devices", json=device)
        r.raise_for_status()
    out: list[float] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium") or None)
        page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
        t0 = time.monotonic()
        page.goto(base + "/")
        page.fill("#login-username", "admin")
        page.fill("#login-password", password)
        page.click("#login-submit")
        page.wait_for_selector("#alarm-list li.alarm", timeout=120_000)
        first_load = time.monotonic() - t0
        page.evaluate("""() => new MutationObserver((ms) => {
            for (const m of ms) for (const n of m.addedNodes)
              if (n.nodeType === 1 && n.textContent.includes('PIR-BENCH') && !window.__seenAt)
                window.__seenAt = Date.now();
          }).observe(document.querySelector('#alarm-list'), {childList: true, subtree: true})""")
        for i in range(rounds):
            page.evaluate("window.__seenAt = 0")
            ev = {
                "id": f"01BENCH{i:019d}",
                "kind": "access.duress",
                "occurred_at": datetime.now(UTC).isoformat(),
                "payload": {},
            }
            body = orjson.dumps({"events": [ev]})
            ts = str(int(time.time()))
            headers = {
                "X-Anfang-Device": "PIR-BENCH",
                "X-Anfang-Timestamp": ts,
                "X-Anfang-Signature": sign(SECRET, ts, body),
                "Content-Type": "application/json",
            }
            sent = time.time() * 1000
            httpx.post(base + "/api/v1/ingest/events", content=body, headers=headers, timeout=30)
            page.wait_for_function("() => window.__seenAt > 0", timeout=30_000)
            out.append(page.evaluate("window.__seenAt") - sent)
            # close it so the next one is a new alarm (one alarm per source while open)
            with httpx.Client(
                base_url=base, timeout=30, headers={"Authorization": f"Bearer {token}"}
            ) as c:
                alarm = next(
                    a for a in c.get("/api/v1/alarms/open").json() if a["source"] == "PIR-BENCH"
                )
                c.post(
                    f"/api/v1/alarms/{alarm['id']}/resolve",
                    json={"note": "bench", "outcome": "false_alarm", "cause": "unknown"},
                )
            time.sleep(0.5)
        browser.close()
    return {"console_first_load_s": round(first_load, 2), "new_alarm_ms": latency_summary(out)}


def _z(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Seed, serve, load, measure."""
    work = Path(tempfile.mkdtemp(prefix="anfang-bench-console-"))
    try:
        # One start and stop: the schema, the admin and the default definitions.
        with serve(work):
            pass
        size = seed(work / "anfang.db", args.events, args.open, not args.quiet)
        with serve(work) as base:
            token, password = login(base)
            month = (datetime.now(UTC) - timedelta(days=30)).isoformat().replace("+00:00", "Z")
            day0 = datetime.now(UTC) - timedelta(days=30)
            paths = [
                "/api/v1/alarms?state=open&limit=100",
                f"/api/v1/center/alarms?kind=perimeter.*&since={month}&limit=100",
                "/api/v1/center/alarms?disposition=false&limit=50",
                "/api/v1/events?limit=100",
                "/api/v1/events?kind=physical.*&limit=100",
                f"/api/v1/events?since={_z(day0)}&until={_z(day0 + timedelta(days=1))}&limit=100",
            ]
            t = time.monotonic()
            whole = httpx.get(
                base + "/api/v1/alarms/open",
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
            )
            queue_ms = (time.monotonic() - t) * 1000
            singles = {p: load(base, token, 20, 5, [p])["latency_ms"] for p in paths}
            mixed = load(base, token, args.rate, args.seconds, paths)
            browser = browser_alarm(base, token, password, 10)
        return {
            "size": size,
            "whole_queue": {
                "alarms": len(whole.json()),
                "ms": round(queue_ms, 1),
                "bytes": len(whole.content),
            },
            "per_path_at_20rps": singles,
            "mixed": mixed,
            **browser,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def markdown(meta: dict[str, Any], r: dict[str, Any]) -> str:
    """The human summary."""
    m, b = r["mixed"], r["new_alarm_ms"]
    ok = "✓" if m["latency_ms"]["p99"] <= TARGET_P99_MS and m["non2xx"] == 0 else "✗"
    ok2 = "✓" if (b["max"] or 1e9) <= TARGET_BROWSER_MS else "✗"
    rows = "\n".join(
        f"| `{p}` | {v['p50']} | {v['p99']} |" for p, v in r["per_path_at_20rps"].items()
    )
    meta_line = (
        f"Machine: {meta['machine']['cpu_model']}, {meta['machine']['cores']} cores; "
        f"commit {meta['git'].get('commit', '?')}."
    )
    size = r["size"]
    data = (
        f"Data: {size['events']:,} events over 90 days, {size['open_alarms']:,} open and "
        f"{size['closed_alarms']:,} closed alarms (SQLite)."
    )
    lat = m["latency_ms"]
    mixed = (
        f"| mixed reads, {m['offered_rps']} req/s offered (wrk): p99 | {lat['p99']} ms "
        f"(p50 {lat['p50']}, achieved {m['achieved_rps']}/s, non-2xx {m['non2xx']}) "
        f"| ≤ {TARGET_P99_MS:g} ms {ok} |"
    )
    fresh = (
        f"| new alarm: device POST → line in the browser's queue (10×) | p50 {b['p50']} ms, "
        f"max {b['max']} ms | ≤ {TARGET_BROWSER_MS:g} ms {ok2} |"
    )
    q = r["whole_queue"]
    whole = (
        f"| whole open queue in one request | {q['alarms']:,} alarms, {q['ms']} ms, "
        f"{q['bytes']:,} bytes | — |"
    )
    return f"""# Console benchmark — {meta["date"]}

{meta_line}
{data}

| measure | result | target |
|---|---|---|
{mixed}
{fresh}
{whole}
| console login → queue shown | {r["console_first_load_s"]} s | — |

Each read alone at 20 req/s (ms):

| path | p50 | p99 |
|---|---|---|
{rows}
"""


def main(argv: list[str] | None = None) -> list[Path]:
    """Run and write ``bench/results/console-*.{json,md}``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--open", type=int, default=10_000)
    ap.add_argument("--rate", type=int, default=200)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--out", type=Path, default=RESULTS_DIR)
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    if shutil.which("wrk") is None or shutil.which("chromium") is None:
        print("bench/console needs wrk and chromium: run `make bench-console`", file=sys.stderr)
        return []
    meta = metadata()
    res = run(args)
    md = markdown(meta, res)
    paths = write_results("console", {**meta, **res}, md, args.out)
    if not args.quiet:
        print(md)
    return paths


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
