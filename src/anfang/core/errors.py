"""The one error hierarchy of anfang's services: a refusal with the HTTP status it maps to.

Services raise subclasses of :class:`DomainError`; the composition root maps every one to
an answer ``{"detail": message}`` with its ``status`` in one place (``app/http.py``), so
routers need no try/except of their own.
"""

from __future__ import annotations


class DomainError(Exception):
    """A refused operation; ``status`` is the HTTP status it maps to (400 unless set)."""

    status: int = 400
    # A refusal the console says in the operator's language: a stable code and its facts.
    code: str | None = None
    params: dict[str, object] | None = None

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message  # what the caller is told
        if status is not None:
            self.status = status


_SQLITE_KINDS = {
    "UNIQUE": "{col} {value}already exists",
    "NOT NULL": "{col} may not be empty",
    "FOREIGN KEY": "refers to a record that does not exist",
    "CHECK": "a value is out of its allowed range",
}


def integrity_message(exc: Exception) -> str:
    """What a database integrity error means, for the caller, without SQL text (which
    names tables and constraints, and once reached API answers: issue 14)."""
    text = str(getattr(exc, "orig", exc))
    diag = getattr(getattr(exc, "orig", None), "diag", None)
    column = getattr(diag, "column_name", None)  # PostgreSQL names the column itself
    for key, template in _SQLITE_KINDS.items():
        if f"{key} constraint failed" in text:  # SQLite: "... failed: table.column"
            col = text.rsplit(".", 1)[-1].split(",")[0].strip() or "a value"
            return template.format(col=col, value="").replace("  ", " ")
    if "unique" in text.lower() or "duplicate key" in text.lower():
        return f"{column or 'a value'} already exists"
    if "foreign key" in text.lower():
        return "refers to a record that does not exist"
    if "null value" in text.lower():
        return f"{column or 'a value'} may not be empty"
    return "conflicts with an existing record"
