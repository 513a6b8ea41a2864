"""Service accounts: API keys for integrations, so that no integrator holds a person's
password or a 12-hour user token (issue 14).

A key reads ``ak_<prefix>_<secret>``; only its SHA-256 is stored, the prefix finds the
row. An account has a role (never admin or resident), optionally narrowed to a list of
that role's permissions, an expiry, and a last-use time. Rotation issues a new key (the
old one may keep working for a grace period); revocation is immediate and the row stays
for the audit trail. Every change is audited.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
import secrets
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from anfang.audit.log import AuditLog
from anfang.auth.principal import Principal
from anfang.auth.rbac import GRANTS, Role
from anfang.core.errors import DomainError
from anfang.core.writer import WriteContext, Writer
from anfang.store.base import utcnow
from anfang.store.models import ServiceAccount

log = logging.getLogger(__name__)
PREFIX = "ak_"
_KEY = re.compile(r"^ak_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$")
NOT_FOR_SERVICES = frozenset({Role.ADMIN, Role.RESIDENT})
CACHE_S = 10.0
LAST_USE_EVERY_S = 60.0  # last use is written at most this often per account


class ServiceAccountError(DomainError):
    """A refused service-account operation."""


@dataclass(frozen=True, slots=True)
class Issued:
    """A key as shown once, at creation or rotation."""

    name: str
    key: str
    expires_at: datetime


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _new_key() -> tuple[str, str]:
    prefix = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(12))
    return prefix, f"{PREFIX}{prefix}_{secrets.token_urlsafe(32)}"


def check_grant(role: str, scopes: list[str] | None) -> None:
    """Refuse a role services may not hold, or scopes outside the role's grants."""
    try:
        r = Role(role)
    except ValueError:
        raise ServiceAccountError(f"unknown role {role!r}", 422) from None
    if r in NOT_FOR_SERVICES:
        raise ServiceAccountError(f"a service account may not have the role {role!r}", 422)
    if scopes is not None:
        granted = {str(p) for p in GRANTS[r]}
        beyond = sorted(set(scopes) - granted)
        if beyond:
            raise ServiceAccountError(f"role {role!r} does not hold {', '.join(beyond)}", 422)


class ServiceAccounts:
    """Creates, rotates, revokes and authenticates service accounts."""

    def __init__(
        self,
        writer: Writer,
        audit: AuditLog,
        read_session: Callable[[], AbstractContextManager[Session]],
    ) -> None:
        self.writer = writer
        self.audit = audit
        self.read_session = read_session
        self._cache: dict[str, tuple[Principal, datetime, float]] = {}
        self._used: dict[int, float] = {}
        self._pending: set[asyncio.Future[None]] = set()

    async def create(
        self,
        actor: str,
        name: str,
        role: str,
        *,
        scopes: list[str] | None = None,
        days: int = 365,
        description: str = "",
    ) -> Issued:
        """A new account and its key (shown only now)."""
        check_grant(role, scopes)
        prefix, key = _new_key()
        now = utcnow()
        expires = now + timedelta(days=days)

        def job(ctx: WriteContext) -> None:
            if ctx.session.scalar(select(ServiceAccount.id).where(ServiceAccount.name == name)):
                raise ServiceAccountError(f"service account {name!r} exists already", 409)
            ctx.session.add(
                ServiceAccount(
                    name=name,
                    description=description,
                    role=role,
                    scopes=sorted(set(scopes)) if scopes is not None else None,
                    key_prefix=prefix,
                    key_hash=_digest(key),
                    created_by=actor,
                    created_at=now,
                    expires_at=expires,
                )
            )
            detail = {"role": role, "scopes": scopes, "expires_at": expires.isoformat()}
            self.audit.append(ctx, actor, "service_account.create", f"service:{name}", detail)

        await self.writer.run(job)
        return Issued(name, key, expires)

    async def rotate(self, actor: str, name: str, *, grace_s: int = 0, days: int = 365) -> Issued:
        """A new key for ``name``; the old one works ``grace_s`` longer, then never."""
        prefix, key = _new_key()
        now = utcnow()
        expires = now + timedelta(days=days)

        def job(ctx: WriteContext) -> None:
            row = _live(ctx.session, name)
            row.previous_hash = row.key_hash if grace_s else None
            row.previous_until = now + timedelta(seconds=grace_s) if grace_s else None
            row.key_prefix, row.key_hash = prefix, _digest(key)
            row.rotated_at, row.expires_at = now, expires
            detail = {"grace_s": grace_s, "expires_at": expires.isoformat()}
            self.audit.append(ctx, actor, "service_account.rotate", f"service:{name}", detail)

        await self.writer.run(job)
        self._forget(name)
        return Issued(name, key, expires)

    async def revoke(self, actor: str, name: str) -> None:
        """Revoke ``name`` at once (the row stays, for the audit trail)."""

        def job(ctx: WriteContext) -> None:
            row = _live(ctx.session, name)
            row.revoked_at = utcnow()
            row.previous_hash = None
            self.audit.append(ctx, actor, "service_account.revoke", f"service:{name}", {})

        await self.writer.run(job)
        self._forget(name)

    async def listing(self) -> list[dict[str, Any]]:
        """Every account, revoked ones included, newest first (never a key)."""

        def q() -> list[dict[str, Any]]:
            with self.read_session() as s:
                rows = s.scalars(select(ServiceAccount).order_by(ServiceAccount.id.desc()))
                return [describe(r) for r in rows]

        return await asyncio.to_thread(q)

    async def authenticate(self, key: str) -> Principal | None:
        """The principal behind a live key, else ``None`` (cached for a few seconds)."""
        m = _KEY.match(key)
        if m is None:
            return None
        digest = _digest(key)
        now = utcnow()
        hit = self._cache.get(digest)
        if hit is not None and hit[1] > now and hit[2] > time.monotonic():
            return hit[0]

        def q() -> tuple[ServiceAccount, datetime] | None:
            with self.read_session() as s:
                row = s.scalar(select(ServiceAccount).where(ServiceAccount.key_prefix == m[1]))
                if row is None or row.revoked_at is not None or row.expires_at <= now:
                    old = s.scalar(
                        select(ServiceAccount).where(ServiceAccount.previous_hash == digest)
                    )
                    if old is None or old.revoked_at is not None:
                        return None
                    until = old.previous_until
                    return (old, until) if until is not None and until > now else None
                ok = hmac.compare_digest(row.key_hash, digest)
                return (row, row.expires_at) if ok else None

        found = await asyncio.to_thread(q)
        if found is None:
            self._cache.pop(digest, None)
            return None
        row, until = found
        scopes = frozenset(row.scopes) if row.scopes is not None else None
        principal = Principal(0, row.name, row.role, service=True, scopes=scopes)
        self._cache[digest] = (principal, until, time.monotonic() + CACHE_S)
        self._note_use(row.id)
        return principal

    def _note_use(self, account_id: int) -> None:
        now = time.monotonic()
        if now - self._used.get(account_id, -LAST_USE_EVERY_S) < LAST_USE_EVERY_S:
            return
        self._used[account_id] = now
        when = utcnow()

        def job(ctx: WriteContext) -> None:
            ctx.session.execute(
                update(ServiceAccount)
                .where(ServiceAccount.id == account_id)
                .values(last_used_at=when)
            )

        # Not awaited: a request never waits for its bookkeeping (nor fails with it).
        task = asyncio.ensure_future(self.writer.run(job))
        self._pending.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Future[None]) -> None:
        self._pending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("service account last use not stored: %r", task.exception())

    def _forget(self, name: str) -> None:
        for digest, (principal, _, _) in list(self._cache.items()):
            if principal.username == name:
                self._cache.pop(digest, None)


def _live(s: Session, name: str) -> ServiceAccount:
    row = s.scalar(select(ServiceAccount).where(ServiceAccount.name == name))
    if row is None:
        raise ServiceAccountError(f"no service account {name!r}", 404)
    if row.revoked_at is not None:
        raise ServiceAccountError(f"service account {name!r} is revoked", 409)
    return row


def describe(row: ServiceAccount) -> dict[str, Any]:
    """An account as the API shows it."""
    now = utcnow()
    state = "revoked" if row.revoked_at else ("expired" if row.expires_at <= now else "active")
    return {
        "name": row.name,
        "description": row.description,
        "role": row.role,
        "scopes": row.scopes,
        "key_prefix": f"{PREFIX}{row.key_prefix}_…",
        "created_by": row.created_by,
        "created_at": row.created_at,
        "rotated_at": row.rotated_at,
        "expires_at": row.expires_at,
        "last_used_at": row.last_used_at,
        "revoked_at": row.revoked_at,
        "state": state,
    }
