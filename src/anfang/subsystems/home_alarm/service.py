"""Alarm accounts: creating and reading them, and the in-memory directory the receiver uses."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from anfang.audit.log import AuditLog
from anfang.core.errors import DomainError, integrity_message
from anfang.core.events import Event
from anfang.core.secretbox import SecretBox, SecretError
from anfang.core.writer import WriteContext, Writer
from anfang.store.base import utcnow
from anfang.store.models import Household, Site
from anfang.subsystems.home_alarm.models import (
    AccountCreate,
    AccountOut,
    AccountUpdate,
    AlarmAccount,
)

log = logging.getLogger(__name__)

TOPIC = "alarm_accounts"


def key_purpose(account: str) -> str:
    """The associated data an account's sealed key is bound to."""
    return f"alarm_account:{account.upper()}"


class AccountPlatform(Protocol):
    """What the account service needs of the platform."""

    @property
    def writer(self) -> Writer: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def secrets(self) -> SecretBox: ...

    def read_session(self) -> AbstractContextManager[Session]: ...


class AccountError(DomainError):
    """A refused account operation; ``status`` is the HTTP answer it maps to."""

    status = 400


class NotFound(AccountError):
    """No such account."""

    status = 404


class Conflict(AccountError):
    """The account number is taken."""

    status = 409


class Invalid(AccountError):
    """A reference (household, site) does not exist."""

    status = 422


@dataclass(frozen=True, slots=True)
class AccountInfo:
    """What the receiver needs to know of one enabled account."""

    account: str
    kind: str
    key: bytes | None
    device_code: str | None

    @property
    def source(self) -> str:
        """The event source: the panel's device code, else ``SIA-<account>``."""
        return self.device_code or f"SIA-{self.account}"


class AccountDirectory:
    """Enabled accounts cached in memory; a writer hook, so API edits reload it.

    The dictionary is replaced whole on the writer thread and only read on the event loop,
    so readers never see it half-built. Keys are opened with ``box`` (set by the home-alarm
    component to ``platform.secrets``); an account whose key does not open is left out, so
    its frames get DUH. ``seen`` holds when each account last got an ACK (supervision).
    """

    def __init__(self, box: SecretBox | None = None) -> None:
        self.box = box
        self._by_account: dict[str, AccountInfo] = {}
        self.seen: dict[str, datetime] = {}
        # Bumped with every reload: the SIA front process works from a copy and tells which
        # version it used, so a frame it accepted against an older copy is judged again.
        self.version = 0

    def touch(self, account: str, at: datetime | None = None) -> None:
        """Note that ``account`` reported (called on the event loop for every ACK)."""
        self.seen[account.upper()] = at or utcnow()

    def get(self, account: str) -> AccountInfo | None:
        """The enabled account ``account`` (any letter case), or None."""
        return self._by_account.get(account.upper())

    def key_for(self, account: str) -> bytes | None:
        """The raw AES key of an enabled account, for ``sia_dc09.parse``."""
        info = self.get(account)
        return info.key if info is not None else None

    def load(self, session: Session) -> None:
        """Read every enabled account."""
        rows = session.execute(select(AlarmAccount).where(AlarmAccount.enabled.is_(True)))
        found: dict[str, AccountInfo] = {}
        for r in rows.scalars():
            acct = r.account.upper()
            try:
                key = self._key_of(r)
            except SecretError as exc:
                log.error("alarm account %s: key does not open (%s); account refused", acct, exc)
                continue
            found[acct] = AccountInfo(acct, r.kind, key, r.device_code)
        self._by_account = found
        self.version += 1

    def snapshot(self) -> tuple[int, dict[str, AccountInfo]]:
        """The version and the enabled accounts, for the front process's copy."""
        return self.version, dict(self._by_account)

    def _key_of(self, row: AlarmAccount) -> bytes | None:
        if row.key_sealed is not None:
            if self.box is None:
                raise SecretError("no secrets box to open it with")
            return self.box.open(row.key_sealed, key_purpose(row.account))
        # Written before migration 0003 and not sealed yet (the component seals it at start).
        try:
            return bytes.fromhex(row.legacy_key_hex) if row.legacy_key_hex else None
        except ValueError:
            raise SecretError("legacy key is not hex") from None

    def prepare(self, ctx: WriteContext, events: list[Event]) -> list[Event]:
        """Accounts add nothing to events."""
        return []

    def after_insert(self, ctx: WriteContext, events: list[Event]) -> None:
        """Nothing to do after events are stored."""

    def on_changed(self, ctx: WriteContext, topics: set[str]) -> None:
        """Reload after account edits."""
        if TOPIC in topics:
            self.load(ctx.session)


def list_accounts(session: Session) -> list[AccountOut]:
    """Every account, by number."""
    rows = session.execute(select(AlarmAccount).order_by(AlarmAccount.account)).scalars()
    return [AccountOut.of(r) for r in rows]


def get_account(session: Session, account: str) -> AccountOut:
    """One account by number (any letter case); raises ``NotFound``."""
    row = session.scalar(select(AlarmAccount).where(AlarmAccount.account == account.upper()))
    if row is None:
        raise NotFound(f"no alarm account {account}")
    return AccountOut.of(row)


def _check_refs(session: Session, data: AccountCreate | AccountUpdate) -> None:
    if data.household_id is not None and session.get(Household, data.household_id) is None:
        raise Invalid(f"household_id: no household {data.household_id}")
    if data.site_id is not None and session.get(Site, data.site_id) is None:
        raise Invalid(f"site_id: no site {data.site_id}")


async def create_account(platform: AccountPlatform, actor: str, data: AccountCreate) -> AccountOut:
    """Insert an account (audited, without its key); raises ``Conflict`` or ``Invalid``."""

    def job(ctx: WriteContext) -> AccountOut:
        taken = select(AlarmAccount.id).where(AlarmAccount.account == data.account)
        if ctx.session.scalar(taken) is not None:
            raise Conflict(f"alarm account {data.account} exists")
        _check_refs(ctx.session, data)
        values = data.model_dump(exclude={"key"})
        sealed = (
            platform.secrets.seal(bytes.fromhex(data.key), key_purpose(data.account))
            if data.key
            else None
        )
        row = AlarmAccount(**values, key_sealed=sealed)
        ctx.session.add(row)
        ctx.session.flush()
        detail = {k: v for k, v in values.items() if v is not None} | {"has_key": bool(data.key)}
        platform.audit.append(ctx, actor, "alarm_account.create", f"alarm_account:{row.id}", detail)
        ctx.mark_changed(TOPIC)
        return AccountOut.of(row)

    return await _run(platform, job)


async def update_account(
    platform: AccountPlatform, actor: str, account: str, data: AccountUpdate
) -> AccountOut:
    """Change an account (audited, without its key); a new key is sealed, ``null`` removes it."""
    given = data.model_fields_set

    def job(ctx: WriteContext) -> AccountOut:
        row = ctx.session.scalar(
            select(AlarmAccount).where(AlarmAccount.account == account.upper())
        )
        if row is None:
            raise NotFound(f"no alarm account {account}")
        _check_refs(ctx.session, data)
        changes = data.model_dump(include=given - {"key"})
        for name in ("kind", "enabled"):
            if name in changes and changes[name] is None:
                raise Invalid(f"{name} cannot be null")
        for name, value in changes.items():
            setattr(row, name, value)
        if "key" in given:
            row.key_sealed = (
                platform.secrets.seal(bytes.fromhex(data.key), key_purpose(row.account))
                if data.key
                else None
            )
            row.legacy_key_hex = None
            changes["has_key"] = data.key is not None
        ctx.session.flush()
        platform.audit.append(
            ctx, actor, "alarm_account.update", f"alarm_account:{row.id}", changes
        )
        ctx.mark_changed(TOPIC)
        return AccountOut.of(row)

    return await _run(platform, job)


async def _run(platform: AccountPlatform, job: Callable[[WriteContext], AccountOut]) -> AccountOut:
    try:
        return await platform.writer.run(job)
    except IntegrityError as exc:  # a race past the pre-check still answers 409
        raise Conflict(integrity_message(exc)) from exc


def seal_legacy_keys(ctx: WriteContext, box: SecretBox, audit: AuditLog) -> list[str]:
    """Seal every plain key left from before migration 0003 and clear it; the accounts."""
    done: list[str] = []
    rows = ctx.session.scalars(select(AlarmAccount).where(AlarmAccount.legacy_key_hex.is_not(None)))
    for row in rows:
        assert row.legacy_key_hex is not None
        row.key_sealed = box.seal(bytes.fromhex(row.legacy_key_hex), key_purpose(row.account))
        row.legacy_key_hex = None
        audit.append(ctx, "system", "alarm_account.key_sealed", f"alarm_account:{row.id}", {})
        done.append(row.account)
    if done:
        ctx.session.flush()
        ctx.mark_changed(TOPIC)
    return done
