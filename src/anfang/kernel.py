"""The kernel: what every part of anfang runs on — storage, the writer, bus, pipeline, audit,
users, alarm engine, device supervision and the capabilities the parts offer each other.

Subsystems are handed the :class:`Kernel`; the composition root (:mod:`anfang.app`) builds
the :class:`~anfang.app.platform.Platform`, a kernel with the subsystems' components.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from anfang.audit import anchors, keys
from anfang.audit.anchors import Anchors, AuditChainBroken
from anfang.audit.log import AuditLog
from anfang.auth import initial, service_accounts
from anfang.auth.principal import Principal
from anfang.auth.service_accounts import ServiceAccounts
from anfang.auth.throttle import Throttle
from anfang.auth.users import UserService
from anfang.config import Settings
from anfang.core import defaults
from anfang.core.alarms import AlarmEngine
from anfang.core.bus import Bus, InProcessBus
from anfang.core.capabilities import Capabilities
from anfang.core.devices import DeviceTracker, Supervisor
from anfang.core.escalation import Escalator
from anfang.core.linkage import Linkage
from anfang.core.pipeline import Pipeline
from anfang.core.secretbox import SecretBox
from anfang.core.writer import Writer
from anfang.store import migrate
from anfang.store.base import make_engine
from anfang.store.checkpoint import WalCheckpointer

log = logging.getLogger(__name__)


def make_bus(settings: Settings) -> Bus:
    """The configured bus: NATS JetStream when ``bus_url`` is set, else in-process."""
    if settings.bus_url:
        from anfang.core.nats_bus import make_bus as make_nats_bus

        return make_nats_bus(
            settings.bus_url,
            settings.bus_prefix,
            max_age_seconds=settings.bus_max_age_seconds,
            max_bytes=settings.bus_max_bytes,
        )
    return InProcessBus()


class Kernel:
    """The shared services of one anfang instance, started and stopped together."""

    def __init__(
        self, settings: Settings, *, bus: Bus | None = None, migrations: Sequence[str] = ()
    ) -> None:
        self.settings = settings
        self.migrations = list(migrations)  # folders of migrations beyond anfang's own
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        url = settings.resolved_database_url()
        sqlite = url.startswith("sqlite")
        checkpoints = 0 if sqlite else 1000
        # Readers (the API) and the writer draw on pools of their own: however many
        # clients read, alarm ingestion never waits for a connection (issue 14, item 12).
        self.engine: Engine = make_engine(
            url,
            synchronous=settings.sqlite_synchronous,
            wal_autocheckpoint=checkpoints,
            pool_size=settings.db_read_pool_size,
            pool_timeout=settings.db_read_pool_timeout_seconds,
        )
        self.write_engine: Engine = make_engine(
            url,
            synchronous=settings.sqlite_synchronous,
            wal_autocheckpoint=checkpoints,
            pool_size=2,
        )
        self.checkpointer = (
            WalCheckpointer(self.write_engine, settings.sqlite_checkpoint_seconds)
            if sqlite
            else None
        )
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.writer = Writer(
            self.write_engine,
            batch_max=settings.writer_batch_max,
            linger=settings.writer_linger_ms / 1000,
        )
        if self.checkpointer is not None:
            self.writer.between_batches = self.checkpointer.catch_up
        self.bus: Bus = bus or make_bus(settings)
        self.pipeline = Pipeline(self.writer, self.bus)
        key_path = settings.resolved_audit_key_file()
        self.audit = AuditLog(
            self.writer,
            keys.load_or_create(key_path),
            Anchors(
                keys.anchor_path(key_path), settings.audit_anchor_mirrors, settings.audit_syslog
            ),
            checkpoint_every=settings.audit_checkpoint_every,
            checkpoint_seconds=settings.audit_checkpoint_seconds,
        )
        self.devices = DeviceTracker()
        self.alarms = AlarmEngine(settings.site_timezone)
        self.alarms.audit_append = self.audit.append
        self.writer.hooks.extend([self.audit, self.devices, self.alarms])
        self.supervisor = Supervisor(
            self.writer, self.devices, settings.supervision_interval_seconds
        )
        self.escalator = Escalator(
            self.writer,
            self.alarms,
            settings.escalation_interval_seconds,
            settings.escalation_max_level,
        )
        self.users = UserService(
            self.writer,
            self.audit,
            self.read_session,
            token_ttl=settings.token_ttl_seconds,
            throttle=Throttle(settings.login_max_failures, settings.login_lockout_seconds),
            data_dir=settings.data_dir,
        )
        self.service_accounts = ServiceAccounts(self.writer, self.audit, self.read_session)
        self.linkage = Linkage()
        # What the parts offer each other (the face service, a receiver…), by typed key.
        self.capabilities = Capabilities()
        self.secrets = SecretBox.from_file(settings.resolved_secrets_key_file())
        self.generated_admin_password: str | None = None
        self.started = False

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A session for reading (all writes go through ``writer``)."""
        with self._sessions() as session:
            yield session

    async def start(self) -> None:
        """Migrate, start the writer, bus and engines, seed defaults and the first admin."""
        await asyncio.to_thread(migrate.upgrade, self.engine, self.migrations)
        await asyncio.to_thread(self._check_records)
        await self.bus.start()  # before the writer: a bus that fails leaves nothing running
        self.writer.start(asyncio.get_running_loop())
        if self.checkpointer is not None:
            self.checkpointer.start()
        await self.pipeline.start()
        await self.writer.run(defaults.seed)
        await self._ensure_admin()
        await self.audit.start()
        await self.supervisor.start()
        await self.escalator.start()
        await self.start_parts()
        await self.audit.record("system", "system.start", "", {"version": _version()})
        if self.audit.broken is not None:
            await self.audit.record("system", "audit.chain_broken", "", {"why": self.audit.broken})
        self.started = True
        # What start-up made lives as long as the process: keep it out of full
        # collections, whose 100-175 ms pauses stopped the loop and the writer alike.
        gc.collect()
        gc.freeze()

    async def stop(self) -> None:
        """Stop in reverse order; everything acknowledged is already durable."""
        if not self.started:
            return
        self.started = False
        await self.stop_parts()
        await self.linkage.drain()
        await self.escalator.stop()
        await self.supervisor.stop()
        try:
            await self.audit.record("system", "system.stop", "", {})
        except Exception:
            log.warning("could not record system.stop", exc_info=True)
        await self.audit.stop()
        await self.writer.stop()
        if self.checkpointer is not None:
            await asyncio.to_thread(self.checkpointer.stop)
        await self.pipeline.stop()
        await self.bus.close()
        self.engine.dispose()
        self.write_engine.dispose()

    async def authenticate(self, token: str) -> Principal | None:
        """The caller behind a bearer token: a user's session token or a service
        account's API key (``ak_…``); ``None`` when neither is live."""
        if token.startswith(service_accounts.PREFIX):
            return await self.service_accounts.authenticate(token)
        return await self.users.authenticate_token(token)

    def preflight(self) -> None:
        """Migrate and check the records as :meth:`start` does, nothing else (so that a
        command line can refuse in one line before serving); raises ``AuditChainBroken``."""
        try:
            migrate.upgrade(self.engine, self.migrations)
            self._check_records()
        finally:
            self.engine.dispose()
            self.write_engine.dispose()

    def _check_records(self) -> None:
        """Refuse to start on a database altered outside anfang: a table dropped, or an
        audit chain that disagrees with its anchors (``audit_start_flagged``: start, but
        flagged in the log, ``/healthz`` and the audit log itself)."""
        missing = migrate.missing_tables(self.engine)
        if missing:
            raise AuditChainBroken(
                f"tables missing from the database: {', '.join(missing[:5])}; it was altered "
                "outside anfang (restore it from a backup)"
            )
        with self.read_session() as session:
            problem = anchors.check(session, self.audit.key.public_key(), self.audit.anchors)
        if problem is None:
            return
        if not self.settings.audit_start_flagged:
            raise AuditChainBroken(
                f"{problem}; refusing to start (ANFANG_AUDIT_START_FLAGGED=1 starts flagged)"
            )
        log.error("AUDIT CHAIN BROKEN, starting flagged as configured: %s", problem)
        self.audit.broken = problem

    async def start_parts(self) -> None:
        """Start what runs on the kernel (the composition root starts the subsystems)."""

    async def stop_parts(self) -> None:
        """Stop what :meth:`start_parts` started, in reverse order."""

    async def _ensure_admin(self) -> None:
        """Create the first admin. A generated password is kept in a file only this user
        can read (``auth.initial``) until the admin changes it, who must at first login."""
        if await self.users.exists():
            return
        pw = self.settings.admin_password
        if pw is not None:
            await self.users.create("admin", pw.get_secret_value(), "admin", "system", "管理员")
            return
        password = secrets.token_urlsafe(12)
        # The file first: if creating the user fails, the next start makes a new one.
        await asyncio.to_thread(initial.write, self.settings.data_dir, password)
        await self.users.create(
            "admin", password, "admin", "system", "管理员", must_change_password=True
        )
        self.generated_admin_password = password

    def initial_password_file(self) -> Path | None:
        """The file holding the first admin's generated password, while it is unchanged."""
        found = initial.path(self.settings.data_dir)
        return found if found.exists() else None


def _version() -> str:
    from anfang import __version__

    return __version__
