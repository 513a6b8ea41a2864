"""Alarm accounts: creating and reading them, and the in-memory directory the receiver uses."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from anfang.audit.log import AuditLog
from anfang.core.events import Event
from anfang.store.models import Household, Site
from anfang.store.writer import WriteContext, Writer
from anfang.subsystems.home_alarm.models import AccountCreate, AccountOut, AlarmAccount

TOPIC = "alarm_accounts"


class AccountPlatform(Protocol):
    """What the account service needs of the platform."""

    @property
    def writer(self) -> Writer: ...

    @property
    def audit(self) -> AuditLog: ...

    def read_session(self) -> AbstractContextManager[Session]: ...


class AccountError(Exception):
    """A refused account operation; ``status`` is the HTTP answer it maps to."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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
    so readers never see it half-built.
    """

    def __init__(self) -> None:
        self._by_account: dict[str, AccountInfo] = {}

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
        self._by_account = {
            r.account.upper(): AccountInfo(
                r.account.upper(),
                r.kind,
                bytes.fromhex(r.key_hex) if r.key_hex else None,
                r.device_code,
            )
            for r in rows.scalars()
        }

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


def _check_refs(session: Session, data: AccountCreate) -> None:
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
        row = AlarmAccount(**values, key_hex=data.key)
        ctx.session.add(row)
        ctx.session.flush()
        detail = {k: v for k, v in values.items() if v is not None} | {"has_key": bool(data.key)}
        platform.audit.append(ctx, actor, "alarm_account.create", f"alarm_account:{row.id}", detail)
        ctx.mark_changed(TOPIC)
        return AccountOut.of(row)

    return await _run(platform, job)


async def _run(platform: AccountPlatform, job: Callable[[WriteContext], AccountOut]) -> AccountOut:
    try:
        return await platform.writer.run(job)
    except IntegrityError as exc:  # a race past the pre-check still answers 409
        raise Conflict(f"conflicts with an existing record: {exc.orig}") from exc
