"""What the uplink's API takes and answers."""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator

from anfang.uplink.ids import TYPE_CODES

_ID20 = r"^[0-9]{20}$"
_HOST = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)


class PlatformIn(BaseModel):
    """An upper platform's settings (the password is write-only; omitted: kept)."""

    name: str = Field(min_length=1, max_length=100)
    protocol: Literal["gb28181", "ga1400"]
    enabled: bool = True
    server_id: str = Field(pattern=_ID20, description="the upper platform's 20-digit ID")
    realm: str = Field(default="", max_length=32, description="default: its ID's first 10 digits")
    host: str = Field(min_length=1, max_length=200)
    port: int = Field(ge=1, le=65535)
    transport: Literal["udp", "tcp", "http", "https"] = "udp"
    local_id: str = Field(pattern=_ID20, description="anfang's own 20-digit ID towards it")
    local_port: int = Field(default=0, ge=0, le=65535, description="0: any free port")
    password: SecretStr | None = Field(default=None, max_length=128)
    charset: Literal["GB2312", "GB18030", "UTF-8"] = "GB2312"
    version: Literal["2016", "2022"] = "2016"
    expires_s: int = Field(default=3600, ge=60, le=86400)
    keepalive_s: int = Field(default=60, ge=5, le=3600)
    share: list[str] = Field(
        default_factory=lambda: sorted(TYPE_CODES), description="device types shared"
    )
    policy: Literal["all", "watchlist", "none"] = "all"

    @field_validator("share")
    @classmethod
    def _known_types(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(TYPE_CODES))
        if unknown:
            raise ValueError(f"device types without a national type code: {unknown}")
        return sorted(set(value))

    @field_validator("host")
    @classmethod
    def _plain_host(cls, value: str) -> str:
        try:
            ipaddress.ip_address(value)
        except ValueError:
            if not _HOST.match(value):
                raise ValueError(
                    "a host name or IP address, without scheme, user, port or path"
                ) from None
        return value


class PlatformOut(BaseModel):
    """An upper platform with its live state."""

    id: int
    name: str
    protocol: str
    enabled: bool
    server_id: str
    realm: str
    host: str
    port: int
    transport: str
    local_id: str
    local_port: int
    has_password: bool
    charset: str
    version: str
    expires_s: int
    keepalive_s: int
    share: list[str]
    policy: str
    updated_at: datetime
    updated_by: str
    last_success_at: datetime | None
    state: str = "stopped"
    detail: str = ""
    detail_code: str = ""
    clock_offset_s: float | None = None
    backlog: int = 0
    oldest_queued_at: datetime | None = None
    dropped: int = 0
    sent: int = 0
    media_sessions: int = 0


class NationalIdOut(BaseModel):
    """A shared device and its national ID."""

    device_id: int
    code: str
    name: str
    type: str
    national_id: str
    type_code: str


class NationalIdIn(BaseModel):
    """A national ID given by hand (the police often hand them out)."""

    national_id: str = Field(pattern=_ID20)
