"""The access subsystem's refusal, mapped to an HTTP status by the routers."""

from __future__ import annotations

from anfang.core.errors import DomainError


class AccessError(DomainError):
    """A refused operation; ``status`` is the HTTP answer it maps to."""

    status = 400
