"""What the access routers share: permissions, error mapping, small helpers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import Depends, HTTPException
from sqlalchemy.orm import Session

from anfang.api.deps import Principal, require
from anfang.auth.rbac import Perm
from anfang.kernel import Kernel
from anfang.subsystems.access import crud
from anfang.subsystems.access.errors import AccessError

Reader = Annotated[Principal, Depends(require(Perm.SITE_READ))]


# Holders and credentials: people readers, and the installers who configure them.
People = Annotated[Principal, Depends(require(Perm.PEOPLE_READ, Perm.ACCESS_CONFIGURE))]
Events = Annotated[Principal, Depends(require(Perm.EVENTS_READ))]
Config = Annotated[Principal, Depends(require(Perm.ACCESS_CONFIGURE))]
Opener = Annotated[Principal, Depends(require(Perm.ACCESS_OPEN))]


@contextmanager
def errors() -> Iterator[None]:
    """Turn the service's refusals into their HTTP status."""
    try:
        yield
    except AccessError as exc:
        raise HTTPException(exc.status, exc.message) from exc


async def delete_row(platform: Kernel, who: Principal, model: Any, ident: int, what: str) -> None:
    """Delete one row (audited as ``access.<what>.delete``); 404 when it is not there."""

    def fn(session: Session) -> tuple[None, str, dict[str, Any]]:
        row = crud.get_or_404(session, model, ident, what)
        session.delete(row)
        return None, f"access_{what}:{ident}", {}

    with errors():
        await crud.write(platform, who.actor, f"access.{what}.delete", fn)
