"""One audited write: a change and its audit entry in the same writer transaction, a unique
key taken answered as a 409 (a race past the service's own checks), and the cached
configuration told to reload. The services of the guard tour, car park and physical
protection make every configuration change through it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from sqlalchemy.exc import IntegrityError

from anfang.audit.log import AuditLog
from anfang.core.errors import DomainError, integrity_message
from anfang.core.writer import WriteContext, Writer

T = TypeVar("T")


class AuditedPlatform(Protocol):
    """What an audited write needs of the platform."""

    @property
    def writer(self) -> Writer: ...

    @property
    def audit(self) -> AuditLog: ...


async def audited(
    platform: AuditedPlatform,
    actor: str,
    action: str,
    fn: Callable[[WriteContext], tuple[T, str, Any]],
    *,
    topic: str | None = None,
    error: type[DomainError] = DomainError,
) -> T:
    """Run ``fn`` (returning its result, the audit target and the detail) in the writer,
    audit ``action``, mark ``topic`` changed; a unique key taken raises ``error`` 409."""

    def job(ctx: WriteContext) -> T:
        out, target, detail = fn(ctx)
        ctx.session.flush()
        platform.audit.append(ctx, actor, action, target, detail)
        if topic is not None:
            ctx.mark_changed(topic)
        return out

    try:
        return await platform.writer.run(job)
    except IntegrityError as exc:
        raise error(integrity_message(exc), 409) from exc
