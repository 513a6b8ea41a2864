"""Integer ids are never reused, on SQLite too.

SQLite hands out ``max(id) + 1``: delete the newest door and the next door gets its id,
and the audit trail's ``access_door:7`` then names two different doors (issue 14).
PostgreSQL's sequences never go back; for SQLite, whose ``AUTOINCREMENT`` would need
every table rebuilt, each flush gives new rows ids above a per-table high-water mark kept
in ``id_high_water`` in the same transaction. All writes go through the one writer, so
reading the mark and writing it back cannot race.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, String, event, func, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, UOWTransaction, mapped_column

from anfang.store.base import Base


class IdHighWater(Base):
    """The highest id each table has ever handed out (SQLite)."""

    __tablename__ = "id_high_water"
    table_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger)


def _int_id(obj: Any) -> str | None:
    """The table name of a new row that needs an integer id, else None."""
    table = getattr(obj, "__table__", None)
    if table is None or table.name == IdHighWater.__tablename__:
        return None
    pk = list(table.primary_key.columns)
    if len(pk) != 1 or pk[0].name != "id" or pk[0].type.python_type is not int:
        return None
    return str(table.name) if getattr(obj, "id", None) is None else None


@event.listens_for(Session, "before_flush")
def _assign_ids(session: Session, flush: UOWTransaction, instances: Any) -> None:
    """Give this flush's new rows ids above their table's high-water mark."""
    new: dict[str, list[Any]] = {}
    for obj in session.new:
        name = _int_id(obj)
        if name is not None:
            new.setdefault(name, []).append(obj)
    if not new:
        return
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return
    marks = IdHighWater.__table__
    for name, objs in new.items():
        table = Base.metadata.tables[name]
        top = conn.execute(select(func.max(table.c.id))).scalar() or 0
        mark = conn.execute(select(marks.c.last_id).where(marks.c.table_name == name)).scalar()
        last = max(top, mark or 0)
        for obj in objs:
            last += 1
            obj.id = last
        stmt = sqlite_insert(IdHighWater).values(table_name=name, last_id=last)
        conn.execute(
            stmt.on_conflict_do_update(index_elements=["table_name"], set_={"last_id": last})
        )
