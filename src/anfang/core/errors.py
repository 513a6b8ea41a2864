"""The one error hierarchy of anfang's services: a refusal with the HTTP status it maps to.

Services raise subclasses of :class:`DomainError`; the composition root maps every one to
an answer ``{"detail": message}`` with its ``status`` in one place (``app/http.py``), so
routers need no try/except of their own.
"""

from __future__ import annotations


class DomainError(Exception):
    """A refused operation; ``status`` is the HTTP status it maps to (400 unless set)."""

    status: int = 400

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message  # what the caller is told
        if status is not None:
            self.status = status
