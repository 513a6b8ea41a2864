"""Integer ids are never handed out twice, even after the newest row is deleted."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.store.ids import IdHighWater
from tests.conftest import auth


async def _door(c: httpx.AsyncClient, h: dict[str, str], code: str) -> int:
    r = await c.post("/api/v1/access/doors", json={"code": code, "name": code}, headers=h)
    assert r.status_code == 201, r.text
    door_id: int = r.json()["id"]
    return door_id


async def test_a_deleted_newest_id_is_not_reused(
    app_client: httpx.AsyncClient, admin_token: str, platform: Platform
) -> None:
    """Issue 14 item 10: SQLite gave the next row the deleted newest row's id."""
    h = auth(admin_token)
    first = await _door(app_client, h, "D-1")
    second = await _door(app_client, h, "D-2")
    assert (await app_client.delete(f"/api/v1/access/doors/{second}", headers=h)).is_success
    third = await _door(app_client, h, "D-3")
    assert third not in (first, second) and third > second
    with platform.read_session() as s:
        mark = s.scalar(select(IdHighWater.last_id).where(IdHighWater.table_name == "access_doors"))
    assert mark == third


async def test_a_row_deleted_in_sql_leaves_its_id_unused(platform: Platform) -> None:
    from anfang.store.models import Site

    async def add(code: str) -> int:
        def job(ctx: object) -> int:
            site = Site(code=code, name=code)
            ctx.session.add(site)  # type: ignore[attr-defined]
            ctx.session.flush()  # type: ignore[attr-defined]
            return site.id

        return await platform.writer.run(job)

    a = await add("s1")

    def drop(ctx: object) -> None:
        ctx.session.execute(Site.__table__.delete().where(Site.id == a))  # type: ignore[attr-defined]

    await platform.writer.run(drop)
    assert await add("s2") == a + 1
