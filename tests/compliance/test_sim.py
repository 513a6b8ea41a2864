"""The demo's project: a design matching the demo community, the police's approval, a
finished trial run, an inspector who can log in and issue an order, and a live report in
which rules pass, fail with evidence and are advisory."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml

from anfang.app.platform import Platform
from anfang.compliance import sim
from anfang.sim.community import build_demo_site
from anfang.subsystems import SimContext
from tests.compliance.conftest import import_site
from tests.conftest import auth, first_login


async def test_demo_project(
    app_client: httpx.AsyncClient,
    admin_token: str,
    platform: Platform,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    c, admin = app_client, auth(admin_token)
    community = build_demo_site()
    await import_site(c, admin, community.site_file)
    monkeypatch.setattr(sim, "REPORT_AFTER_S", 0.0)
    ctx = SimContext(
        kernel=platform,
        settings=platform.settings,
        base_url="http://x",
        host="127.0.0.1",
        community=community,
        rate=1.0,
        work_dir=tmp_path,
    )
    demo = sim.make_demo_project(ctx)
    await demo.start()
    for _ in range(100):
        if (await c.get("/api/v1/compliance/reports", headers=admin)).json():
            break
        await asyncio.sleep(0.1)
    await demo.stop()

    project = (await c.get("/api/v1/compliance/project", headers=admin)).json()
    assert project["stage"] == "trial_done" and project["approved_design"] is not None
    assert project["differences"] == []  # the design is the community as built
    assert [s["action"] for s in project["steps"]] == [
        "submit_design",
        "review",
        "start_construction",
        "start_trial",
        "finish_trial",
    ]
    design = (
        await c.get(f"/api/v1/compliance/documents/{project['approved_design']}", headers=admin)
    ).json()
    assert "secret" not in yaml.safe_load(design["body"])["devices"][0]

    (brief,) = (await c.get("/api/v1/compliance/reports", headers=admin)).json()
    body = (await c.get(f"/api/v1/compliance/reports/{brief['id']}", headers=admin)).json()
    states = {r["rule"]: r["state"] for r in body["results"]}
    assert {"pass", "fail", "advisory"} <= set(states.values())
    vid02 = next(r for r in body["results"] if r["rule"] == "VID-02")
    assert vid02["state"] == "fail" and any("西门消防通道道闸" in e for e in vid02["evidence"])

    password = (tmp_path / "compliance-inspector.txt").read_text()
    police = auth(await first_login(c, sim.INSPECTOR, password))
    deadline = (datetime.now(UTC) + timedelta(days=15)).isoformat()
    r = await c.post(
        "/api/v1/compliance/orders",
        headers=police,
        json={"title": "西门消防通道道闸补设视频监控", "rule_id": "VID-02", "deadline": deadline},
    )
    assert r.status_code == 201, r.text

    again = sim.make_demo_project(ctx)  # a restart seeds nothing twice
    await again.start()
    await again.stop()
    assert len((await c.get("/api/v1/compliance/project", headers=admin)).json()["steps"]) == 5
