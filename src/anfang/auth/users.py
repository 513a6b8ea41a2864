"""Users: argon2id passwords, bearer tokens, login throttling."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from pathlib import Path

from prometheus_client import Counter
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from anfang.audit.log import AuditLog
from anfang.auth.passwords import DUMMY_HASH, hash_new, verify
from anfang.auth.principal import Principal
from anfang.auth.rbac import Role
from anfang.auth.throttle import LoginThrottled, Throttle
from anfang.core.writer import WriteContext, Writer
from anfang.store.base import utcnow
from anfang.store.models import ApiToken, User

LOGINS = Counter("anfang_logins_total", "Login attempts", ["outcome"])


class UserExists(ValueError):
    """A user with that name exists already."""


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class UserService:
    """Creates users, checks passwords and tokens."""

    def __init__(
        self,
        writer: Writer,
        audit: AuditLog,
        read_session: Callable[[], AbstractContextManager[Session]],
        *,
        token_ttl: int,
        throttle: Throttle,
        data_dir: Path | None = None,
    ) -> None:
        self.writer = writer
        self.audit = audit
        self.read_session = read_session
        self.token_ttl = token_ttl
        self.throttle = throttle
        self.data_dir = data_dir  # where the first admin's generated password is kept
        self._cache: dict[str, tuple[Principal, datetime, float]] = {}

    async def create(
        self,
        username: str,
        password: str,
        role: Role | str,
        actor: str,
        display_name: str = "",
        *,
        must_change_password: bool = False,
    ) -> int:
        """Create a user (audited); raises ``UserExists`` or ``WeakPassword``."""
        role = Role(role)
        pw_hash = await asyncio.to_thread(hash_new, password, username)

        def job(ctx: WriteContext) -> int:
            if ctx.session.scalar(select(User.id).where(User.username == username)):
                raise UserExists(f"user {username!r} exists already")
            user = User(
                username=username,
                password_hash=pw_hash,
                role=str(role),
                display_name=display_name or username,
                must_change_password=must_change_password,
            )
            ctx.session.add(user)
            ctx.session.flush()
            self.audit.append(ctx, actor, "user.create", f"user:{username}", {"role": str(role)})
            return user.id

        return await self.writer.run(job)

    async def exists(self) -> bool:
        """Whether any user exists."""

        def q() -> bool:
            with self.read_session() as s:
                return s.scalar(select(User.id).limit(1)) is not None

        return await asyncio.to_thread(q)

    async def login(self, username: str, password: str, client: str) -> tuple[str, datetime, User]:
        """Check a password and issue a token; raises ``PermissionError`` or ``LoginThrottled``."""
        try:
            self.throttle.check(username, client)
        except LoginThrottled:
            LOGINS.labels("throttled").inc()
            await self.audit.record(f"user:{username}", "login.throttled", "", {"client": client})
            raise

        def fetch() -> User | None:
            with self.read_session() as s:
                return s.scalar(select(User).where(User.username == username))

        user = await asyncio.to_thread(fetch)
        ok = await asyncio.to_thread(verify, user.password_hash if user else DUMMY_HASH, password)
        if user is None or not ok or user.disabled:
            self.throttle.failed(username, client)
            LOGINS.labels("failed").inc()
            await self.audit.record(
                f"user:{username}",
                "login.failed",
                "",
                {"client": client, "reason": "bad credentials"},
            )
            raise PermissionError("invalid username or password")
        self.throttle.succeeded(username, client)
        token = secrets.token_urlsafe(32)
        now = utcnow()
        expires = now + timedelta(seconds=self.token_ttl)

        def job(ctx: WriteContext) -> None:
            ctx.session.execute(update(User).where(User.id == user.id).values(last_login_at=now))
            ctx.session.add(
                ApiToken(
                    token_hash=_token_hash(token),
                    user_id=user.id,
                    created_at=now,
                    expires_at=expires,
                )
            )
            self.audit.append(ctx, f"user:{username}", "login.success", "", {"client": client})

        await self.writer.run(job)
        LOGINS.labels("success").inc()
        return token, expires, user

    async def logout(self, token: str, actor: str) -> None:
        """Revoke a token."""
        th = _token_hash(token)
        self._cache.pop(th, None)

        def job(ctx: WriteContext) -> None:
            ctx.session.execute(
                update(ApiToken).where(ApiToken.token_hash == th).values(revoked=True)
            )
            self.audit.append(ctx, actor, "logout", "", {})

        await self.writer.run(job)

    async def authenticate_token(self, token: str) -> Principal | None:
        """The principal behind a valid token, else ``None`` (cached for 10 s)."""
        th = _token_hash(token)
        now = utcnow()
        hit = self._cache.get(th)
        if hit is not None and hit[1] > now and hit[2] > time.monotonic():
            return hit[0]

        def q() -> tuple[Principal, datetime] | None:
            with self.read_session() as s:
                row = s.execute(
                    select(User, ApiToken.expires_at)
                    .join(ApiToken, ApiToken.user_id == User.id)
                    .where(ApiToken.token_hash == th, ApiToken.revoked.is_(False))
                ).first()
            if row is None or row[1] <= now or row[0].disabled:
                return None
            user = row[0]
            principal = Principal(user.id, user.username, user.role, user.must_change_password)
            return principal, row[1]

        found = await asyncio.to_thread(q)
        if found is None:
            self._cache.pop(th, None)
            return None
        self._cache[th] = (found[0], found[1], time.monotonic() + 10)
        return found[0]

    def revoke_sessions(self, ctx: WriteContext, user_id: int, *, keep: str | None = None) -> int:
        """Revoke every live token of ``user_id`` in this write (but the token ``keep``);
        how many."""
        query = update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked.is_(False))
        if keep is not None:
            query = query.where(ApiToken.token_hash != _token_hash(keep))
        result = ctx.session.execute(query.values(revoked=True))
        # Forget cached principals on the loop once this is committed (no 10 s grace).
        ctx.after_commit(lambda: self._forget_user(user_id))
        return int(getattr(result, "rowcount", 0) or 0)

    def _forget_user(self, user_id: int) -> None:
        for th, (principal, _, _) in list(self._cache.items()):
            if principal.user_id == user_id:
                self._cache.pop(th, None)
