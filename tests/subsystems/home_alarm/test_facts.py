"""What the home alarm states for the compliance checker: per household, a networked panel,
a panic button, intrusion detection."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlalchemy import select

from anfang.app.platform import Platform
from anfang.core.writer import WriteContext
from anfang.store.models import Household
from anfang.subsystems.home_alarm.facts import facts
from anfang.subsystems.home_alarm.models import AlarmAccount, AlarmZone
from tests.compliance.conftest import import_site
from tests.conftest import auth


async def test_households_with_panels_panic_and_intrusion(
    app_client: httpx.AsyncClient, admin_token: str, platform: Platform
) -> None:
    await import_site(app_client, auth(admin_token))

    def job(ctx: WriteContext) -> None:
        s = ctx.session
        rooms = {h.room: h.id for h in s.scalars(select(Household).order_by(Household.id.desc()))}
        for n, (room, zones) in enumerate(
            (("101", ["panic", "burglary"]), ("102", ["panic"]), ("201", []))
        ):
            acct = AlarmAccount(account=f"10{n}", household_id=rooms[room])
            s.add(acct)
            s.flush()
            for i, z in enumerate(zones):
                s.add(AlarmZone(account_id=acct.id, zone=str(i + 1), zone_type=z))
        s.add(AlarmAccount(account="999", household_id=rooms["301"], enabled=False))

    await platform.writer.run(job)
    with platform.read_session() as s:
        got = facts(s, datetime.now(UTC))
    assert sorted(got["home_alarm.networked"].items) == ["B1/1/101", "B1/1/102", "B1/1/201"]
    assert sorted(got["home_alarm.panic"].items) == ["B1/1/101", "B1/1/102"]
    assert list(got["home_alarm.intrusion"].items) == ["B1/1/101"]
    assert got["home_alarm.panic"].value == 2 and "2 户" in got["home_alarm.panic"].evidence
