"""/docs works offline: every file comes from anfang, no inline script, no CDN."""

from __future__ import annotations

import re

import httpx


async def test_docs_page_loads_only_local_files(app_client: httpx.AsyncClient) -> None:
    page = await app_client.get("/docs")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/") for s in sources), sources
    assert "<script>" not in page.text  # no inline script
    for src in sources:
        r = await app_client.get(src)
        assert r.status_code == 200, src
    init = await app_client.get("/docs/init.js")
    assert "/openapi.json" in init.text
