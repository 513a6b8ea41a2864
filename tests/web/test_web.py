"""The console's static serving: headers, caching, no off-host references, complete strings."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from anfang.web import CONTENT_SECURITY_POLICY, STATIC_DIR, mount_console


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    mount_console(app)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://anfang.test") as c:
        yield c


async def test_index_is_served_with_policy_and_no_caching(client: httpx.AsyncClient) -> None:
    r = await client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["cache-control"] == "no-cache, no-store, must-revalidate"
    assert r.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "default-src 'self'" in CONTENT_SECURITY_POLICY
    assert r.headers["x-content-type-options"] == "nosniff"
    assert '<script type="module" src="/static/js/main.js">' in r.text
    assert (await client.head("/")).status_code == 200


async def test_assets_revalidate_with_etag(client: httpx.AsyncClient) -> None:
    r = await client.get("/static/js/main.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["cache-control"] == "no-cache"
    etag = r.headers["etag"]
    again = await client.get("/static/js/main.js", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["cache-control"] == "no-cache"
    css = await client.get("/static/css/console.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")


async def test_nothing_outside_the_static_folder_is_served(client: httpx.AsyncClient) -> None:
    assert (await client.get("/static/nope.js")).status_code == 404
    assert (await client.get("/static/../__init__.py")).status_code == 404
    assert (await client.get("/static/%2e%2e/__init__.py")).status_code == 404


def _static_files() -> list[Path]:
    return [p for p in STATIC_DIR.rglob("*") if p.is_file()]


def test_no_asset_refers_to_another_host() -> None:
    # The SVG namespace is an identifier, not something the browser fetches; the vendored
    # Chart.js names its home page in its licence banner and a dependency's readme in a
    # string of package metadata (neither is fetched).
    allowed = {"http://www.w3.org/2000/svg"}
    vendored = {
        "chart.umd.min.js": {"https://www.chartjs.org", "https://github.com/kurkle/color#readme"}
    }
    for path in _static_files():
        text = path.read_text(encoding="utf-8")
        urls = set(re.findall(r"(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s\"')]*", text))
        ok = allowed | vendored.get(path.name, set())
        assert urls <= ok, f"{path.name} refers to {urls - ok}"
        assert "@import" not in text and "url(http" not in text


def test_every_module_import_resolves() -> None:
    for path in STATIC_DIR.glob("js/*.js"):
        for target in re.findall(r'from "(\.[^"]+)"', path.read_text(encoding="utf-8")):
            assert (path.parent / target).resolve().is_file(), f"{path.name} imports {target}"


def _dictionary(source: str, name: str) -> set[str]:
    body = re.search(rf"const {name} = \{{(.*?)\n\}};", source, re.S)
    assert body is not None, name
    return set(re.findall(r'^\s+"([\w.]+)":', body.group(1), re.M))


def test_both_languages_have_every_string() -> None:
    source = (STATIC_DIR / "js" / "i18n.js").read_text(encoding="utf-8")
    zh = _dictionary(source, "zh")
    en = _dictionary(source, "en")
    assert len(zh) > 100
    assert zh == en, f"only zh: {zh - en}; only en: {en - zh}"
    # Modules keep their own strings: `const ZH = {...};` / `const EN = {...};` + addStrings.
    for path in STATIC_DIR.glob("js/*.js"):
        text = path.read_text(encoding="utf-8")
        if "addStrings(ZH, EN)" in text:
            mz, me = _dictionary(text, "ZH"), _dictionary(text, "EN")
            assert mz == me, f"{path.name}: only zh: {mz - me}; only en: {me - mz}"
            zh |= mz
    used: set[str] = set()
    html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    used |= set(re.findall(r'data-i18n(?:-placeholder|-title)?="([\w.]+)"', html))
    for path in STATIC_DIR.glob("js/*.js"):
        used |= set(re.findall(r'\bt\("([\w.]+)"', path.read_text(encoding="utf-8")))
    assert used, "no strings found"
    assert used <= zh, f"missing strings: {used - zh}"
