"""Request and response models of the site model (pydantic, unknown fields refused)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from anfang.api.types import DbId, NullRefusing

Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Word = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_\-]*$")]
Phone = Annotated[str, Field(max_length=32, pattern=r"^[0-9+\-() ]*$")]
Metres = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Coord = Annotated[float, Field(allow_inf_nan=False)]
Point = tuple[Coord, Coord]

Subsystem = Literal[
    "perimeter",
    "video",
    "access",
    "intercom",
    "home_alarm",
    "patrol",
    "parking",
    "physical",
    "center",
]
Role = Literal["owner", "tenant", "family", "other"]

# GB 50394: one perimeter zone covers at most 70 m of fence.
PERIMETER_MAX_M = 70.0


class StrictModel(BaseModel):
    """Input: unknown fields are refused, surrounding blanks stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Patch(StrictModel, NullRefusing):
    """A partial update: only the fields sent change; ``null`` only where a column allows it."""


def _check_tz(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r}") from exc
    return value


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --------------------------------------------------------------------------- sites


class SiteCreate(StrictModel):
    """A new site (community)."""

    code: Code
    name: Name
    address: str = Field(default="", max_length=400)
    area_m2: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    timezone: str = "Asia/Shanghai"
    map_width_m: float = Field(default=400.0, gt=0, le=100_000, allow_inf_nan=False)
    map_height_m: float = Field(default=300.0, gt=0, le=100_000, allow_inf_nan=False)

    _tz = field_validator("timezone")(_check_tz)


class SiteUpdate(_Patch):
    """Changes to a site."""

    _not_null: ClassVar[frozenset[str]] = frozenset(
        {"code", "name", "address", "timezone", "map_width_m", "map_height_m"}
    )
    code: Code | None = None
    name: Name | None = None
    address: str | None = Field(default=None, max_length=400)
    area_m2: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    timezone: str | None = None
    map_width_m: float | None = Field(default=None, gt=0, le=100_000, allow_inf_nan=False)
    map_height_m: float | None = Field(default=None, gt=0, le=100_000, allow_inf_nan=False)

    _tz = field_validator("timezone")(_check_tz)


class SiteOut(_Out):
    """A site as the API shows it."""

    id: int
    code: str
    name: str
    address: str
    area_m2: float | None
    timezone: str
    map_width_m: float
    map_height_m: float
    created_at: datetime


# --------------------------------------------------------------------------- buildings


class BuildingCreate(StrictModel):
    """A new building or area; ``site_id`` defaults to the first site."""

    site_id: DbId | None = None
    code: Code
    name: Name
    kind: Word = "building"
    floors: int = Field(default=0, ge=0, le=200)
    map_x: Metres | None = None
    map_y: Metres | None = None


class BuildingUpdate(_Patch):
    """Changes to a building."""

    _not_null: ClassVar[frozenset[str]] = frozenset({"code", "name", "kind", "floors"})
    code: Code | None = None
    name: Name | None = None
    kind: Word | None = None
    floors: int | None = Field(default=None, ge=0, le=200)
    map_x: Metres | None = None
    map_y: Metres | None = None


class BuildingOut(_Out):
    """A building as the API shows it."""

    id: int
    site_id: DbId
    code: str
    name: str
    kind: str
    floors: int
    map_x: float | None
    map_y: float | None


# --------------------------------------------------------------------------- units


class UnitCreate(StrictModel):
    """A new unit (stairwell) of a building."""

    building_id: DbId
    code: Code
    name: Name


class UnitUpdate(_Patch):
    """Changes to a unit."""

    _not_null: ClassVar[frozenset[str]] = frozenset({"code", "name"})
    code: Code | None = None
    name: Name | None = None


class UnitOut(_Out):
    """A unit as the API shows it."""

    id: int
    building_id: DbId
    code: str
    name: str


# --------------------------------------------------------------------------- households


class HouseholdCreate(StrictModel):
    """A new household: one dwelling on one floor of a unit."""

    unit_id: DbId
    floor: int = Field(ge=-10, le=200)
    room: str = Field(min_length=1, max_length=32)
    phone: Phone = ""


class HouseholdUpdate(_Patch):
    """Changes to a household."""

    _not_null: ClassVar[frozenset[str]] = frozenset({"floor", "room", "phone"})
    floor: int | None = Field(default=None, ge=-10, le=200)
    room: str | None = Field(default=None, min_length=1, max_length=32)
    phone: Phone | None = None


class HouseholdOut(_Out):
    """A household as the API shows it."""

    id: int
    unit_id: DbId
    floor: int
    room: str
    phone: str


# --------------------------------------------------------------------------- residents


class ResidentCreate(StrictModel):
    """A new resident of a household."""

    household_id: DbId
    name: str = Field(min_length=1, max_length=100)
    phone: Phone = ""
    role: Role = "owner"
    id_number_tail: str = Field(default="", max_length=8, pattern=r"^[0-9Xx]*$")


class ResidentUpdate(_Patch):
    """Changes to a resident."""

    _not_null: ClassVar[frozenset[str]] = frozenset(
        {"household_id", "name", "phone", "role", "id_number_tail"}
    )
    household_id: DbId | None = None
    name: str | None = Field(default=None, min_length=1, max_length=100)
    phone: Phone | None = None
    role: Role | None = None
    id_number_tail: str | None = Field(default=None, max_length=8, pattern=r"^[0-9Xx]*$")


class ResidentOut(_Out):
    """A resident as the API shows it."""

    id: int
    household_id: DbId
    name: str
    phone: str
    role: str
    id_number_tail: str
    created_at: datetime


# --------------------------------------------------------------------------- zones


class ZoneCreate(StrictModel):
    """A new zone; a perimeter zone needs a length or a polyline, at most 70 m."""

    site_id: DbId | None = None
    code: Code
    name: Name
    kind: Word = "perimeter"
    length_m: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    geometry: list[Point] = Field(default_factory=list, max_length=1000)


class ZoneUpdate(_Patch):
    """Changes to a zone."""

    _not_null: ClassVar[frozenset[str]] = frozenset({"code", "name", "kind", "geometry"})
    code: Code | None = None
    name: Name | None = None
    kind: Word | None = None
    length_m: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    geometry: list[Point] | None = Field(default=None, max_length=1000)


class ZoneOut(_Out):
    """A zone as the API shows it."""

    id: int
    site_id: DbId
    code: str
    name: str
    kind: str
    length_m: float | None
    geometry: list[list[float]]


# --------------------------------------------------------------------------- devices


class DeviceCreate(StrictModel):
    """A new device; its state is the supervisor's business, not the caller's."""

    site_id: DbId | None = None
    code: Code
    name: Name
    type: Word
    subsystem: Subsystem
    building_id: DbId | None = None
    unit_id: DbId | None = None
    zone_id: DbId | None = None
    map_x: Metres | None = None
    map_y: Metres | None = None
    protocol: Word = "http-push"
    address: str = Field(default="", max_length=200)
    secret: str = Field(default="", max_length=128)
    expected_interval_s: int | None = Field(default=None, ge=1, le=86_400 * 7)
    enabled: bool = True
    meta: dict[str, Any] = Field(default_factory=dict)


class DeviceUpdate(_Patch):
    """Changes to a device (``state`` and ``last_seen_at`` are read-only)."""

    _not_null: ClassVar[frozenset[str]] = frozenset(
        {"code", "name", "type", "subsystem", "protocol", "address", "secret", "enabled", "meta"}
    )
    code: Code | None = None
    name: Name | None = None
    type: Word | None = None
    subsystem: Subsystem | None = None
    building_id: DbId | None = None
    unit_id: DbId | None = None
    zone_id: DbId | None = None
    map_x: Metres | None = None
    map_y: Metres | None = None
    protocol: Word | None = None
    address: str | None = Field(default=None, max_length=200)
    secret: str | None = Field(default=None, max_length=128)
    expected_interval_s: int | None = Field(default=None, ge=1, le=86_400 * 7)
    enabled: bool | None = None
    meta: dict[str, Any] | None = None


class DeviceSummary(_Out):
    """One line of the device list (what the console's map and health view need)."""

    id: int
    code: str
    name: str
    type: str
    subsystem: str
    state: str
    last_seen_at: datetime | None
    map_x: float | None
    map_y: float | None
    zone_id: DbId | None
    building_id: DbId | None


class DeviceOut(DeviceSummary):
    """A device in full, except its secret (only whether one is set)."""

    site_id: DbId
    unit_id: DbId | None
    protocol: str
    address: str
    expected_interval_s: int | None
    enabled: bool
    meta: dict[str, Any]
    has_secret: bool


# --------------------------------------------------------------------------- site map


class SiteBrief(_Out):
    """The site's identity and map size."""

    id: int
    code: str
    name: str
    map_width_m: float
    map_height_m: float


class SiteMap(BaseModel):
    """What the console draws its map from."""

    site: SiteBrief
    buildings: list[BuildingOut]
    zones: list[ZoneOut]


# --------------------------------------------------------------------------- imports


class ImportIssue(BaseModel):
    """One problem found in an import file (rows counted as a spreadsheet shows them)."""

    row: int | None = None
    column: str | None = None
    message: str


class ImportReport(BaseModel):
    """The outcome of an import: how many records were written, or why none were."""

    imported: int = 0
    errors: list[ImportIssue] = Field(default_factory=list)
    dry_run: bool = False
    counts: dict[str, int] = Field(default_factory=dict)
