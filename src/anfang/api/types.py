"""Bounded integers for the API: ids and counts a database column can hold.

An unbounded ``int`` let 2^63 through to SQLite, which raised ``OverflowError`` and the
API answered 500 (issue 14): every id in a path, query or body is a :data:`DbId`.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

import annotated_types as at
from pydantic import BaseModel, ValidationInfo, field_validator

MAX_DB_INT = 2**63 - 1
DbId = Annotated[int, at.Ge(1), at.Le(MAX_DB_INT)]
DbInt = Annotated[int, at.Ge(-MAX_DB_INT - 1), at.Le(MAX_DB_INT)]


class NullRefusing(BaseModel):
    """A partial update: only the fields sent change; ``null`` only where the column
    allows it (``null`` for a required column once reached the database and answered
    500). Subclasses list their non-nullable fields in ``_not_null``."""

    _not_null: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _refuse_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name in cls._not_null:
            raise ValueError("may not be null")
        return value
