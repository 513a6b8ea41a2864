"""Settings of the intercom (filled from the platform's ``ANFANG_INTERCOM_*`` settings)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class IntercomSettings(BaseSettings):
    """``ANFANG_INTERCOM_*``: where anfang listens for SIP, and how long a call rings."""

    model_config = SettingsConfigDict(env_prefix="ANFANG_INTERCOM_", extra="ignore")

    enabled: bool = True
    sip_host: str = "127.0.0.1"
    sip_port: int = Field(default=5060, ge=0, le=65535, description="UDP; 0: any free port")
    ring_timeout_s: float = Field(default=30.0, gt=0, le=300)
    domain: str = "anfang"
