"""Import of a site description (YAML): validate the whole file, then write it in one job.

Importing is an upsert keyed by codes: records named in the file are created or updated,
generated households are added when missing, and nothing absent from the file is deleted,
so the same file can be imported again after editing it. The format is in
docs/site-file.md.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from anfang.core.errors import DomainError
from anfang.core.writer import WriteContext
from anfang.site import schemas as s
from anfang.site import yamlfile
from anfang.site.geometry import polyline_length, zone_problem
from anfang.site.service import SitePlatform
from anfang.store.models import Building, Device, Household, Site, Unit, Zone

Progress = Callable[[int, int], None]
MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_HOUSEHOLDS = 100_000
MAX_ERRORS = 1000


class ImportFileError(DomainError):
    """The file as a whole cannot be read; ``status`` is the HTTP status to answer."""

    status = 422


def check_size(data: bytes) -> None:
    """Refuse empty and oversized files."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportFileError(
            f"file is {len(data)} bytes; imports are limited to {MAX_IMPORT_BYTES} bytes (10 MB)",
            413,
        )
    if not data.strip():
        raise ImportFileError("file is empty")


def capped(issues: list[s.ImportIssue]) -> list[s.ImportIssue]:
    """At most MAX_ERRORS issues, and a last one saying how many more there were."""
    if len(issues) <= MAX_ERRORS:
        return issues
    more = s.ImportIssue(message=f"... and {len(issues) - MAX_ERRORS} more errors")
    return [*issues[:MAX_ERRORS], more]


def ticker(progress: Progress | None, total: int) -> Callable[[int], None]:
    """A progress reporter that calls back about a hundred times over ``total`` steps."""
    step = max(1, total // 100)

    def tick(done: int) -> None:
        if progress is not None and (done % step == 0 or done == total):
            progress(done, total)

    return tick


# --------------------------------------------------------------------------- file format


class UnitSpec(s.StrictModel):
    """A unit in the site file; households are generated from floors and rooms."""

    code: s.Code
    name: s.Name | None = None
    floors: int | None = Field(default=None, ge=0, le=200)
    first_floor: int = Field(default=1, ge=1, le=200)
    rooms_per_floor: int | None = Field(default=None, ge=0, le=50)
    rooms: list[str] | None = Field(default=None, max_length=10_000)


class BuildingSpec(s.StrictModel):
    """A building or area in the site file."""

    code: s.Code
    name: s.Name
    kind: s.Word = "building"
    floors: int = Field(default=0, ge=0, le=200)
    rooms_per_floor: int = Field(default=0, ge=0, le=50)
    map_x: s.Metres | None = None
    map_y: s.Metres | None = None
    units: list[UnitSpec] = Field(default_factory=list)


class ZoneSpec(s.ZoneCreate):
    """A zone in the site file (the site is the file's)."""

    @model_validator(mode="after")
    def _no_site(self) -> ZoneSpec:
        if self.site_id is not None:
            raise ValueError("site_id is implied by the file: leave it out")
        return self


class DeviceSpec(s.StrictModel):
    """A device in the site file, placed by building, unit and zone codes."""

    code: s.Code
    name: s.Name
    type: s.Word
    subsystem: s.Subsystem
    building: str | None = None
    unit: str | None = None
    zone: str | None = None
    map_x: s.Metres | None = None
    map_y: s.Metres | None = None
    protocol: s.Word = "http-push"
    address: str = Field(default="", max_length=200)
    secret: str | None = Field(default=None, max_length=128)
    expected_interval_s: int | None = Field(default=None, ge=1, le=86_400 * 7)
    enabled: bool = True
    meta: dict[str, Any] = Field(default_factory=dict)


class SiteFile(s.StrictModel):
    """A whole site description."""

    site: s.SiteCreate
    buildings: list[BuildingSpec] = Field(default_factory=list)
    zones: list[ZoneSpec] = Field(default_factory=list)
    devices: list[DeviceSpec] = Field(default_factory=list)


def rooms_of(b: BuildingSpec, u: UnitSpec) -> list[tuple[int, str]]:
    """The (floor, room) pairs a unit generates: room 1802 is the 2nd room on floor 18."""
    floors = u.floors if u.floors is not None else b.floors
    if u.rooms is not None:
        return [(f, f"{f}{r}") for f in range(u.first_floor, floors + 1) for r in u.rooms]
    per = u.rooms_per_floor if u.rooms_per_floor is not None else b.rooms_per_floor
    return [(f, f"{f}{i:02d}") for f in range(u.first_floor, floors + 1) for i in range(1, per + 1)]


# --------------------------------------------------------------------------- validation


def parse_site_file(data: bytes) -> SiteFile:
    """Parse and check a site file on its own (no database); raises ImportFileError."""
    check_size(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"file is not UTF-8 text (bad byte at offset {exc.start})") from exc
    try:
        doc = yamlfile.load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ImportFileError(f"not valid YAML{where}: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(doc, dict):
        raise ImportFileError("a site file is a YAML mapping with a 'site' key at the top")
    return SiteFile.model_validate(doc)


def pydantic_issues(exc: ValidationError) -> list[s.ImportIssue]:
    """One issue per schema error, located by its dotted path in the file."""
    return [
        s.ImportIssue(column=".".join(str(p) for p in e["loc"]), message=e["msg"])
        for e in exc.errors()
    ]


def check_site_file(sf: SiteFile, session: Session) -> list[s.ImportIssue]:
    """Rules across the file and against the database: duplicates, references, zones."""
    issues: list[s.ImportIssue] = []

    def bad(path: str, message: str) -> None:
        issues.append(s.ImportIssue(column=path, message=message))

    b_units: dict[str, set[str]] = {}
    households = 0
    for i, b in enumerate(sf.buildings):
        if b.code in b_units:
            bad(f"buildings.{i}.code", f"building code {b.code!r} appears twice")
        units = b_units.setdefault(b.code, set())
        for j, u in enumerate(b.units):
            if u.code in units:
                bad(f"buildings.{i}.units.{j}.code", f"unit code {u.code!r} appears twice")
            units.add(u.code)
            rooms = rooms_of(b, u)
            households += len(rooms)
            if len({r for _, r in rooms}) != len(rooms):
                bad(f"buildings.{i}.units.{j}.rooms", "room numbers repeat across floors")
    if households > MAX_HOUSEHOLDS:
        bad("buildings", f"file generates {households} households; at most {MAX_HOUSEHOLDS}")
    zones: set[str] = set()
    for i, z in enumerate(sf.zones):
        if z.code in zones:
            bad(f"zones.{i}.code", f"zone code {z.code!r} appears twice")
        zones.add(z.code)
        problem = zone_problem(z.kind, z.length_m, z.geometry)
        if problem:
            bad(f"zones.{i}.{problem[0]}", problem[1])
    site_id = session.execute(select(Site.id).where(Site.code == sf.site.code)).scalar()
    others = dict(
        session.execute(
            select(Device.code, Device.site_id).where(Device.code.in_([d.code for d in sf.devices]))
        ).all()
    )
    seen: set[str] = set()
    for i, d in enumerate(sf.devices):
        if d.code in seen:
            bad(f"devices.{i}.code", f"device code {d.code!r} appears twice")
        seen.add(d.code)
        if d.code in others and others[d.code] != site_id:
            bad(f"devices.{i}.code", f"device code {d.code!r} is already used by another site")
        if d.unit is not None and d.building is None:
            bad(f"devices.{i}.unit", "a unit needs its building")
        if d.building is not None and d.building not in b_units:
            bad(f"devices.{i}.building", f"building {d.building!r} is not in this file")
        elif d.unit is not None and d.building and d.unit not in b_units[d.building]:
            bad(f"devices.{i}.unit", f"unit {d.unit!r} is not in building {d.building!r}")
        if d.zone is not None and d.zone not in zones:
            bad(f"devices.{i}.zone", f"zone {d.zone!r} is not in this file")
    return issues


# --------------------------------------------------------------------------- writing


def _upsert(session: Session, model: type[Any], key: dict[str, Any], values: dict[str, Any]) -> Any:
    row = session.scalars(select(model).filter_by(**key)).first()
    if row is None:
        row = model(**key, **values)
        session.add(row)
    else:
        for k, v in values.items():
            if getattr(row, k) != v:
                setattr(row, k, v)
    session.flush()
    return row


def write_site(ctx: WriteContext, sf: SiteFile, tick: Callable[[int], None]) -> dict[str, int]:
    """Create or update everything the file describes; returns counts per kind."""
    ses = ctx.session
    site = _upsert(ses, Site, {"code": sf.site.code}, sf.site.model_dump(exclude={"code"}))
    counts = {"sites": 1, "buildings": 0, "units": 0, "households": 0, "zones": 0, "devices": 0}
    done = 1
    places: dict[tuple[str, str | None], tuple[int, int | None]] = {}
    for b in sf.buildings:
        brow = _upsert(
            ses,
            Building,
            {"site_id": site.id, "code": b.code},
            b.model_dump(include={"name", "kind", "floors", "map_x", "map_y"}),
        )
        places[(b.code, None)] = (brow.id, None)
        counts["buildings"] += 1
        for u in b.units:
            urow = _upsert(
                ses,
                Unit,
                {"building_id": brow.id, "code": u.code},
                {"name": u.name or f"{u.code}单元"},
            )
            places[(b.code, u.code)] = (brow.id, urow.id)
            counts["units"] += 1
            have = set(ses.scalars(select(Household.room).where(Household.unit_id == urow.id)))
            for floor, room in rooms_of(b, u):
                if room not in have:
                    ses.add(Household(unit_id=urow.id, floor=floor, room=room))
                counts["households"] += 1
            done += 1
            tick(done)
        done += 1
        tick(done)
    zone_ids: dict[str, int] = {}
    for z in sf.zones:
        values = z.model_dump(exclude={"site_id", "code"})
        values["geometry"] = [[x, y] for x, y in z.geometry]
        if values["length_m"] is None and len(z.geometry) >= 2:
            values["length_m"] = round(polyline_length(z.geometry), 2)
        zrow = _upsert(ses, Zone, {"site_id": site.id, "code": z.code}, values)
        zone_ids[z.code] = zrow.id
        counts["zones"] += 1
        done += 1
        tick(done)
    for d in sf.devices:
        values = d.model_dump(exclude={"code", "building", "unit", "zone"})
        if d.secret is None:
            values.pop("secret")  # keep the secret already stored
        building_id, unit_id = places.get((d.building or "", d.unit), (None, None))
        values.update(
            site_id=site.id,
            building_id=building_id,
            unit_id=unit_id,
            zone_id=zone_ids.get(d.zone or ""),
        )
        _upsert(ses, Device, {"code": d.code}, values)
        counts["devices"] += 1
        done += 1
        tick(done)
    ctx.mark_changed("devices")
    return counts


async def import_site(
    platform: SitePlatform,
    data: bytes,
    *,
    actor: str = "system",
    dry_run: bool = False,
    progress: Progress | None = None,
) -> s.ImportReport:
    """Validate a site file and, when it is sound, write it all in one writer job."""

    def check() -> tuple[SiteFile | None, list[s.ImportIssue]]:
        try:
            sf = parse_site_file(data)  # a 10 MB YAML takes seconds: not on the event loop
        except ValidationError as exc:
            return None, pydantic_issues(exc)
        with platform.read_session() as session:
            return sf, check_site_file(sf, session)

    sf, issues = await asyncio.to_thread(check)
    if sf is None or issues:
        return s.ImportReport(errors=capped(issues), dry_run=dry_run)
    total = 1 + len(sf.buildings) + sum(len(b.units) for b in sf.buildings)
    total += len(sf.zones) + len(sf.devices)
    tick = ticker(progress, total)
    if dry_run:
        tick(total)
        return s.ImportReport(imported=total, dry_run=True)

    def job(ctx: WriteContext) -> dict[str, int]:
        counts = write_site(ctx, sf, tick)
        platform.audit.append(ctx, actor, "site.import", f"site:{sf.site.code}", counts)
        return counts

    counts = await platform.writer.run(job)
    return s.ImportReport(imported=sum(counts.values()), counts=counts)


async def import_site_file(
    platform: SitePlatform,
    path: Path,
    progress: Progress | None = None,
    *,
    actor: str = "cli",
    dry_run: bool = False,
) -> s.ImportReport:
    """Import a site file from disk (what ``anfang import site FILE`` runs)."""
    data = await asyncio.to_thread(_read_capped, path)
    return await import_site(platform, data, actor=actor, dry_run=dry_run, progress=progress)


def _read_capped(path: Path) -> bytes:
    with path.open("rb") as fh:
        data = fh.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportFileError(f"{path} is larger than {MAX_IMPORT_BYTES} bytes (10 MB)", 413)
    return data
