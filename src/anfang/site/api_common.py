"""What the site routers share: permissions, paging, and errors mapped to HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Response

from anfang.api.deps import Principal, require
from anfang.auth.rbac import Perm
from anfang.site.service import Conflict, Invalid, NotFound, SiteError

SiteReader = Annotated[Principal, Depends(require(Perm.SITE_READ))]
SiteWriter = Annotated[Principal, Depends(require(Perm.SITE_WRITE))]
DeviceWriter = Annotated[Principal, Depends(require(Perm.DEVICES_WRITE))]
PeopleReader = Annotated[Principal, Depends(require(Perm.PEOPLE_READ))]
Limit = Annotated[int, Query(ge=1, le=1000, description="page size")]
Offset = Annotated[int, Query(ge=0, le=2**62, description="rows to skip")]
Cascade = Annotated[bool, Query(description="also delete households and residents below")]


@contextmanager
def http_errors() -> Iterator[None]:
    """Turn the service's refusals into 404, 409 and 422 answers."""
    try:
        yield
    except NotFound as exc:
        raise HTTPException(404, exc.message) from exc
    except Conflict as exc:
        raise HTTPException(409, exc.message) from exc
    except Invalid as exc:
        raise HTTPException(
            422, f"{exc.field}: {exc.message}" if exc.field else exc.message
        ) from exc
    except SiteError as exc:
        raise HTTPException(400, exc.message) from exc


def paged(response: Response, total: int) -> None:
    """Tell the client how many rows match in all (the body holds one page)."""
    response.headers["X-Total-Count"] = str(total)
