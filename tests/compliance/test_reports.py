"""Checker reports through the API: live and design, HTML and PDF in Chinese, signed with
the audit key so that a changed byte, a report altered in the database or another
system's key is detected."""

from __future__ import annotations

from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from anfang.app.platform import Platform
from anfang.compliance import signing
from anfang.compliance.models import Report
from tests.compliance.conftest import design_yaml, import_site, user
from tests.conftest import auth

BASE = "/api/v1/compliance"


def _by_rule(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["rule"]: r for r in body["results"]}


async def test_live_report_signed_in_html_and_pdf(
    app_client: httpx.AsyncClient, admin_token: str, platform: Platform
) -> None:
    c, admin = app_client, auth(admin_token)
    police = await user(c, admin, "minjing", "police_inspector")
    assert (await c.post(f"{BASE}/reports", headers=admin, json={})).status_code == 409  # no site
    await import_site(c, admin)
    r = await c.post(f"{BASE}/reports", headers=police, json={"mode": "live"})
    assert r.status_code == 201, r.text
    brief = r.json()
    body = (await c.get(f"{BASE}/reports/{brief['id']}", headers=police)).json()
    assert body["id"] == brief["id"] and body["site"] == "测试小区" and body["mode"] == "live"
    assert body["obliged"]["obliged"] is True
    res = _by_rule(body)
    assert res["PER-01"]["state"] == "pass" and res["PER-02"]["state"] == "pass"
    assert res["VID-02"]["state"] == "pass"  # the lane has its camera
    assert res["VID-01"]["state"] == "advisory" and "1号楼2单元" in " ".join(
        res["VID-01"]["evidence"]
    )
    assert res["ACC-01"]["state"] == "advisory" and res["ACC-01"]["measured"] == 0.5
    assert res["DEV-01"]["state"] == "fail" and res["DEV-01"]["strength"] == "recommended"
    assert body["tally"]["verdict"] in ("符合", "基本符合", "不符合")

    html = (await c.get(f"{BASE}/reports/{brief['id']}/file", headers=police)).content
    assert "合规检查报告".encode() in html and b"anfang-signature" in html[-200:]
    pdf_r = await c.get(
        f"{BASE}/reports/{brief['id']}/file", params={"format": "pdf"}, headers=police
    )
    pdf = pdf_r.content
    assert pdf.startswith(b"%PDF") and pdf_r.headers["content-type"] == "application/pdf"
    for data in (html, pdf):
        v = (await c.post(f"{BASE}/reports/verify", headers=police, content=data)).json()
        assert v["valid"] is True and v["report_id"] == brief["id"], v
    changed = html.replace("测试小区".encode(), "别的小区".encode())
    v = (await c.post(f"{BASE}/reports/verify", headers=police, content=changed)).json()
    assert v["valid"] is False and "改动" in v["reason"]
    flipped = pdf[:500] + bytes([pdf[500] ^ 1]) + pdf[501:]
    assert (await c.post(f"{BASE}/reports/verify", headers=police, content=flipped)).json()[
        "valid"
    ] is False
    v = (await c.post(f"{BASE}/reports/verify", headers=police, content=b"hello")).json()
    assert v["valid"] is False and "没有" in v["reason"]

    # Signed by another system's key: refused by key id.
    other = Ed25519PrivateKey.generate()
    forged = signing.sign_file(b"<html></html>", other, "0" * 16, brief["id"], html=True)
    v = (await c.post(f"{BASE}/reports/verify", headers=police, content=forged)).json()
    assert v["valid"] is False and "不是本系统" in v["reason"]

    pem = (await c.get(f"{BASE}/reports/public-key", headers=police)).content
    public = serialization.load_pem_public_key(pem)
    assert isinstance(public, Ed25519PublicKey)
    assert signing.verify_file(html, public, platform.audit.key_id).valid

    # Altered in the database after signing: the API refuses to serve it.
    def tamper(ctx) -> None:  # type: ignore[no-untyped-def]
        row = ctx.session.get(Report, brief["id"])
        row.body = {**row.body, "tally": {**row.body["tally"], "verdict": "符合", "fail": 0}}

    await platform.writer.run(tamper)
    r = await c.get(f"{BASE}/reports/{brief['id']}", headers=police)
    assert r.status_code == 409 and "altered" in r.json()["detail"]
    assert (await c.get(f"{BASE}/reports/{brief['id']}/file", headers=police)).status_code == 409


async def test_design_report_from_a_given_file_and_the_submitted_one(
    app_client: httpx.AsyncClient, admin_token: str
) -> None:
    c, admin = app_client, auth(admin_token)
    r = await c.post(f"{BASE}/reports", headers=admin, json={"mode": "design"})
    assert r.status_code == 422 and "no design" in r.json()["detail"]
    r = await c.post(f"{BASE}/reports", headers=admin, json={"mode": "design", "design": "- a"})
    assert r.status_code == 422
    r = await c.post(
        f"{BASE}/reports", headers=admin, json={"mode": "design", "design": design_yaml()}
    )
    assert r.status_code == 201, r.text
    body = (await c.get(f"{BASE}/reports/{r.json()['id']}", headers=admin)).json()
    res = _by_rule(body)
    assert res["HOM-01"]["state"] == "pass"  # declared for every household
    assert res["VID-04"]["state"] == "advisory" and "设计阶段" in res["VID-04"]["summary"]
    assert res["VID-03"]["state"] == "pass" and res["VID-03"]["measured"] == 30
    listed = (await c.get(f"{BASE}/reports", headers=admin)).json()
    assert listed[0]["mode"] == "design" and len(listed[0]["sha256"]) == 64


async def test_rule_book_is_served(app_client: httpx.AsyncClient, admin_token: str) -> None:
    book = (await app_client.get(f"{BASE}/rules", headers=auth(admin_token))).json()
    ids = [r["id"] for r in book["rules"]]
    assert "PER-01" in ids and len(ids) == len(set(ids))
    assert all(r["source"]["confidence"] in ("text", "secondhand", "anfang") for r in book["rules"])
