"""Imports through the real app: site YAML (body or upload), residents CSV/XLSX uploads."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from anfang.app.platform import Platform
from anfang.site.importer import MAX_IMPORT_BYTES
from tests.conftest import ADMIN_PASSWORD, auth, login, make_settings
from tests.site.helpers import doc_block
from tests.site.test_api import V1, site_app
from tests.site.test_residents import xlsx

SITE = doc_block("yaml").encode()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
async def big_platform(tmp_path: Path) -> AsyncIterator[Platform]:
    """A platform whose app accepts bodies past the import limit, to reach that limit."""
    plat = Platform(make_settings(tmp_path, max_body_bytes=3 * MAX_IMPORT_BYTES))
    await plat.start()
    try:
        yield plat
    finally:
        await plat.stop()


@pytest.fixture
async def client(big_platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=site_app(big_platform))
    async with httpx.AsyncClient(transport=transport, base_url="http://anfang.test") as c:
        yield c


@pytest.fixture
async def h(client: httpx.AsyncClient) -> dict[str, str]:
    return auth(await login(client, "admin", ADMIN_PASSWORD))


async def _count(c: httpx.AsyncClient, h: dict[str, str], path: str) -> int:
    r = await c.get(V1 + path, params={"limit": 1}, headers=h)
    return int(r.headers["x-total-count"])


async def test_site_import_body_and_upload(client: httpx.AsyncClient, h: dict[str, str]) -> None:
    c = client
    r = await c.post(
        f"{V1}/imports/site",
        content=SITE,
        params={"dry_run": "true"},
        headers=h | {"content-type": "application/yaml"},
    )
    assert r.status_code == 200 and r.json()["dry_run"] is True
    assert await _count(c, h, "/sites") == 0
    r = await c.post(
        f"{V1}/imports/site", content=SITE, headers=h | {"content-type": "application/yaml"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["counts"]["devices"] == 3 and r.json()["errors"] == []
    r = await c.post(f"{V1}/imports/site", files={"file": ("site.yaml", SITE)}, headers=h)
    assert r.status_code == 200 and await _count(c, h, "/buildings") == 3
    bad = SITE.replace(b"[[65, 0], [130, 0]]", b"[[65, 0], [165, 0]]")
    r = await c.post(f"{V1}/imports/site", content=bad, headers=h)
    assert r.status_code == 422
    assert r.json()["errors"][0]["column"] == "zones.1.geometry"
    r = await c.post(f"{V1}/imports/site", content=b"", headers=h)
    assert r.status_code == 422 and "empty" in r.json()["detail"]
    r = await c.post(f"{V1}/imports/site", files={"other": ("a", b"x")}, headers=h)
    assert r.status_code == 422 and "'file'" in r.json()["detail"]
    r = await c.post(f"{V1}/imports/site", content=b"#" * (MAX_IMPORT_BYTES + 1), headers=h)
    assert r.status_code == 413 and "10 MB" in r.json()["detail"]


async def test_residents_upload(client: httpx.AsyncClient, h: dict[str, str]) -> None:
    c = client
    assert (await c.post(f"{V1}/imports/site", content=SITE, headers=h)).status_code == 200
    csv = doc_block("csv").encode()
    r = await c.post(
        f"{V1}/imports/residents",
        params={"dry_run": "true"},
        files={"file": ("r.csv", csv, "text/csv")},
        headers=h,
    )
    assert r.status_code == 200 and r.json()["imported"] == 3 and r.json()["dry_run"]
    assert await _count(c, h, "/residents") == 0
    r = await c.post(
        f"{V1}/imports/residents", files={"file": ("r.csv", csv, "text/csv")}, headers=h
    )
    assert r.status_code == 200 and r.json() == {
        "imported": 3,
        "errors": [],
        "dry_run": False,
        "counts": {"created": 3, "updated": 0},
    }
    book = xlsx(
        [
            ["楼栋", "单元", "房号", "姓名", "电话", "身份"],
            ["1号楼", 2, 1803, "孙八", 13700000000, "租户"],
            ["1号楼", 2, 1803, "周九", "not a phone", "租户"],
        ]
    )
    r = await c.post(f"{V1}/imports/residents", files={"file": ("r.xlsx", book, XLSX)}, headers=h)
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"row": 3, "column": "phone", "message": "'not a phone' is not a phone number"}
    ]
    assert await _count(c, h, "/residents") == 3  # the good row was not imported either
    book = xlsx(
        [
            ["楼栋", "单元", "房号", "姓名", "电话", "身份"],
            ["1号楼", 2, 1803, "孙八", 13700000000, "租户"],
        ]
    )
    r = await c.post(f"{V1}/imports/residents", files={"file": ("r.xlsx", book, XLSX)}, headers=h)
    assert r.status_code == 200 and await _count(c, h, "/residents") == 4


@pytest.mark.parametrize(
    ("name", "data", "status", "message"),
    [
        ("r.csv", b"", 422, "empty"),
        ("r.csv", "楼栋,单元,房号,姓名\n1,1,101,张\n".encode("gbk"), 422, "not UTF-8"),
        ("r.xlsx", b"garbage", 422, "not a readable .xlsx"),
        ("r.csv", b"who,what\n", 422, "unknown column 'who'"),
        ("r.csv", b"x" * (MAX_IMPORT_BYTES + 1), 413, "10 MB"),
    ],
)
async def test_bad_residents_files(
    client: httpx.AsyncClient, h: dict[str, str], name: str, data: bytes, status: int, message: str
) -> None:
    r = await client.post(f"{V1}/imports/residents", files={"file": (name, data)}, headers=h)
    assert r.status_code == status and message in r.json()["detail"]
    assert r.json()["imported"] == 0 and r.json()["errors"][0]["message"] == r.json()["detail"]


async def test_import_needs_permissions(client: httpx.AsyncClient, big_platform: Platform) -> None:
    await big_platform.users.create("op", "a-long-password-1", "operator", "system")
    op = auth(await login(client, "op", "a-long-password-1"))
    r = await client.post(f"{V1}/imports/site", content=SITE, headers=op)
    assert r.status_code == 403
    r = await client.post(f"{V1}/imports/residents", files={"file": ("r.csv", b"a")}, headers=op)
    assert r.status_code == 403
