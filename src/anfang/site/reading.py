"""Reading the site model: pages of rows, one row, the map, the short device list."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anfang.site import schemas as s
from anfang.site.service import DEVICE, Entity, NotFound
from anfang.store.models import Building, Site, Zone


def list_rows(
    session: Session, ent: Entity, filters: dict[str, Any], limit: int, offset: int
) -> tuple[list[BaseModel], int]:
    """One page of rows matching ``filters`` (None values ignored) and the total count."""
    conds = [getattr(ent.model, k) == v for k, v in filters.items() if v is not None]
    total = session.execute(select(func.count()).select_from(ent.model).where(*conds)).scalar()
    rows = session.scalars(
        select(ent.model).where(*conds).order_by(ent.model.id).limit(limit).offset(offset)
    )
    return [ent.out(r) for r in rows], int(total or 0)


def get_row(session: Session, ent: Entity, row_id: int) -> BaseModel:
    """One row by id, or NotFound."""
    row = session.get(ent.model, row_id)
    if row is None:
        raise NotFound(f"{ent.name} {row_id} not found")
    return ent.out(row)


def site_map(session: Session) -> s.SiteMap:
    """The first site with its buildings and zones, for the console's map."""
    site = session.scalars(select(Site).order_by(Site.id).limit(1)).first()
    if site is None:
        raise NotFound("no site has been set up yet: import a site file first")
    buildings = session.scalars(
        select(Building).where(Building.site_id == site.id).order_by(Building.id)
    )
    zones = session.scalars(select(Zone).where(Zone.site_id == site.id).order_by(Zone.id))
    return s.SiteMap(
        site=s.SiteBrief.model_validate(site),
        buildings=[s.BuildingOut.model_validate(b) for b in buildings],
        zones=[s.ZoneOut.model_validate(z) for z in zones],
    )


def device_summaries(
    session: Session, filters: dict[str, Any], limit: int, offset: int
) -> tuple[list[s.DeviceSummary], int]:
    """One page of the device list in its short form."""
    rows, total = list_rows(session, DEVICE, filters, limit, offset)
    return [s.DeviceSummary.model_validate(r.model_dump()) for r in rows], total


# --------------------------------------------------------------------------- writes
