"""Partitions, arm state and supervision of alarm accounts (GB 50394), as a writer hook.

``prepare`` sees every event before it is stored: for events a panel reported (their
payload names the ``account``) it maps the zone to its room or perimeter zone, follows
opening/closing reports into the partition's arm state, and marks a burglary from a
disarmed partition so that the alarm engine stores it without raising an alarm. Panic,
fire, gas, water, tamper and trouble are never marked; neither are burglaries from panic or
24-hour zones. :meth:`HomeAlarmState.supervise` raises a communication failure for an
account silent past its ``supervision_s`` and the restore once it reports again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import Counter
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from anfang.core.events import Event
from anfang.core.writer import WriteContext
from anfang.store.base import utcnow
from anfang.subsystems.home_alarm.models import AlarmAccount, AlarmPartition, AlarmZone, norm_number
from anfang.subsystems.home_alarm.service import AccountDirectory

log = logging.getLogger(__name__)

NO_ALARM = Counter(
    "anfang_home_alarm_no_alarm_total", "Burglaries stored without an alarm (partition disarmed)"
)

TOPIC = "alarm_state"
ARMING = {"armed": "armed", "disarmed": "disarmed"}
# Burglary-type kinds: raised only when the partition is armed (or its state is unknown).
BURGLARY = frozenset({"home_alarm.burglary", "perimeter.intrusion"})
# Zone types that are never disarmed, and Contact ID events that are 24-hour by definition.
ALWAYS_ARMED = frozenset({"panic", "24h", "fire", "gas", "water"})
CID_24H = frozenset({"133", "150"})


@dataclass(slots=True)
class _Account:
    id: int
    account: str
    kind: str
    source: str
    supervision_s: int | None
    last_seen: datetime | None
    comm_state: str
    enabled: bool
    created_at: datetime


@dataclass(slots=True)
class _Zone:
    partition: str | None
    zone_type: str
    room: str
    site_zone_id: int | None


class HomeAlarmState:
    """Arm state per partition, zone mapping and account supervision (a writer hook)."""

    def __init__(self, directory: AccountDirectory, skip_alarm: set[str]) -> None:
        self.directory = directory
        self.skip_alarm = skip_alarm
        self.started_at = utcnow()
        self._accounts: dict[str, _Account] = {}
        self._parts: dict[tuple[int, str], str] = {}
        self._zones: dict[tuple[int, str], _Zone] = {}
        self._saved_seen: dict[str, datetime] = {}
        self._failed_at: dict[str, datetime] = {}  # survives reloads, unlike _accounts

    # ------------------------------------------------------------- writer hook

    def load(self, session: Session) -> None:
        """Cache accounts, partitions and zones."""
        self._accounts = {
            a.account.upper(): _Account(
                a.id,
                a.account.upper(),
                a.kind,
                a.device_code or f"SIA-{a.account.upper()}",
                a.supervision_s,
                a.last_seen_at,
                a.comm_state,
                a.enabled,
                a.created_at,
            )
            for a in session.scalars(select(AlarmAccount))
        }
        for acct in self._accounts.values():
            if acct.comm_state == "failed":
                # Failed before this process started: only a report from now on restores it.
                self._failed_at.setdefault(acct.account, self.started_at)
        self._parts = {
            (p.account_id, p.partition): p.state for p in session.scalars(select(AlarmPartition))
        }
        self._zones = {
            (z.account_id, z.zone): _Zone(z.partition, z.zone_type, z.room, z.site_zone_id)
            for z in session.scalars(select(AlarmZone))
        }

    def on_changed(self, ctx: WriteContext, topics: set[str]) -> None:
        """Reload after account, partition or zone edits."""
        if TOPIC in topics or "alarm_accounts" in topics:
            self.load(ctx.session)

    def prepare(self, ctx: WriteContext, events: list[Event]) -> list[Event]:
        """Map zones, follow arming, mark burglaries from disarmed partitions."""
        for ev in events:
            acct_no = ev.payload.get("account") if ev.payload else None
            if not isinstance(acct_no, str) or not ev.kind.startswith(
                ("home_alarm.", "perimeter.")
            ):
                continue
            acct = self._accounts.get(acct_no.upper())
            # Only the account's own reports (receiver, operator records) count: an event
            # from another source naming the account must not change its arm state.
            if acct is None or ev.source != acct.source:
                continue
            self._apply(ctx, ev, acct)
        return []

    def after_insert(self, ctx: WriteContext, events: list[Event]) -> None:
        """Nothing to do after insertion."""

    # ------------------------------------------------------------- one event

    def _apply(self, ctx: WriteContext, ev: Event, acct: _Account) -> None:
        p = ev.payload
        category = ev.kind.split(".", 1)[1]
        # In opening/closing reports the number is the user's, not a zone.
        zone_no = None if category in ARMING or p.get("zone") is None else norm_number(p["zone"])
        zone = self._zones.get((acct.id, zone_no)) if zone_no is not None else None
        if p.get("partition") is not None:
            part = norm_number(str(p["partition"]))
        else:
            part = zone.partition if zone is not None and zone.partition else "0"
        p["partition_key"] = part
        if zone is not None:
            p["zone_type"] = zone.zone_type
            if zone.room:
                p["room"] = zone.room
            if zone.site_zone_id is not None:
                ev.zone_id = zone.site_zone_id
                # Each perimeter zone raises its own alarm: the engine keeps one open alarm
                # per (definition, source), so the zone goes into the source.
                ev.source = f"{ev.source}/Z{zone_no}"[:64]
        if category in ARMING:
            self._set_state(ctx, acct, part, ARMING[category], _who(p), ev.occurred_at)
        elif (
            ev.kind in BURGLARY
            and not self._always_armed(p, zone)
            and self.arm_state(acct.id, part) == "disarmed"
        ):
            p["no_alarm"] = "partition_disarmed"
            self.skip_alarm.add(ev.id)
            NO_ALARM.inc()

    def _always_armed(self, payload: dict[str, Any], zone: _Zone | None) -> bool:
        if zone is not None and zone.zone_type in ALWAYS_ARMED:
            return True
        return payload.get("qualifier") is not None and payload.get("code") in CID_24H

    def arm_state(self, account_id: int, partition: str) -> str:
        """A partition's state; one never reported follows the whole panel's ("0")."""
        state = self._parts.get((account_id, partition))
        if state is None or state == "unknown":
            state = self._parts.get((account_id, "0"), "unknown")
        return state

    def _set_state(
        self, ctx: WriteContext, acct: _Account, part: str, state: str, who: str, at: datetime
    ) -> None:
        # A report without a partition is for the whole panel: every partition follows it.
        targets = [part]
        if part == "0":
            targets += [k[1] for k in self._parts if k[0] == acct.id and k[1] != "0"]
        for target in targets:
            values = {"state": state, "changed_at": at, "changed_by": who[:64]}
            if (acct.id, target) in self._parts:
                ctx.session.execute(
                    update(AlarmPartition)
                    .where(AlarmPartition.account_id == acct.id)
                    .where(AlarmPartition.partition == target)
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )
            else:
                ctx.session.execute(
                    insert(AlarmPartition).values(
                        account_id=acct.id,
                        partition=target,
                        name="",
                        operator_settable=False,
                        **values,
                    )
                )
            # A failed batch makes the writer reload every hook, so no undo is needed here.
            self._parts[(acct.id, target)] = state
            ctx.publish(
                "home_alarm.partition",
                {"account": acct.account, "partition": target, "state": state, "by": who},
            )

    # ------------------------------------------------------------- supervision

    def supervise(self, ctx: WriteContext) -> list[Event]:
        """Communication failures for silent accounts, restores for returning ones."""
        now = utcnow()
        out: list[Event] = []
        seen = dict(self.directory.seen)
        saves: list[dict[str, Any]] = []
        for acct in self._accounts.values():
            last = seen.get(acct.account)
            if last is not None and last != self._saved_seen.get(acct.account):
                acct.last_seen = last
                self._saved_seen[acct.account] = last
                saves.append({"id": acct.id, "last_seen_at": last})
            if acct.comm_state == "failed":
                failed_at = self._failed_at.get(acct.account, self.started_at)
                if last is not None and last > failed_at:
                    out.append(self._comm(ctx, acct, "ok", "comm_restore", now))
                    self._failed_at.pop(acct.account, None)
                continue
            if acct.supervision_s is None or not acct.enabled:
                continue
            # Neither the receiver's own down time nor the time before the account existed
            # is the panel's silence.
            since = max(acct.last_seen or self.started_at, self.started_at, acct.created_at)
            if now - since > timedelta(seconds=acct.supervision_s):
                out.append(self._comm(ctx, acct, "failed", "comm_fail", now))
                self._failed_at[acct.account] = now
        if saves:
            ctx.session.execute(update(AlarmAccount), saves)
        return out

    def _comm(
        self, ctx: WriteContext, acct: _Account, state: str, what: str, now: datetime
    ) -> Event:
        prefix = "perimeter" if acct.kind == "perimeter" else "home_alarm"
        ev = Event.create(
            f"{prefix}.{what}",
            acct.source,
            payload={
                "account": acct.account,
                "last_seen_at": acct.last_seen.isoformat() if acct.last_seen else None,
                "supervision_s": acct.supervision_s,
            },
            occurred_at=now,
        )
        ctx.emit(ev)
        ctx.session.execute(
            update(AlarmAccount).where(AlarmAccount.id == acct.id).values(comm_state=state)
        )
        acct.comm_state = state
        log.warning("alarm account %s: %s", acct.account, what)
        return ev


def _who(payload: dict[str, Any]) -> str:
    if payload.get("operator"):
        return str(payload["operator"])
    user = payload.get("zone")
    return f"panel:user {user}" if user else "panel"
