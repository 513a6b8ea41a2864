"""Settings, read from ``ANFANG_*`` environment variables; unknown keys are rejected."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """All runtime settings of one anfang instance."""

    model_config = SettingsConfigDict(env_prefix="ANFANG_", extra="forbid")

    data_dir: Path = Path("./var")
    database_url: str | None = None
    bus_url: str | None = Field(
        default=None, description="nats://host:port for NATS JetStream; unset: in-process bus"
    )
    bus_prefix: str = "anfang"
    bus_max_age_seconds: float = Field(default=7 * 86400, gt=0)
    bus_max_bytes: int = Field(default=1 << 30, gt=0)
    mqtt_host: str | None = Field(
        default=None, description="MQTT broker of zigbee2mqtt sensors; unset: no MQTT adapter"
    )
    mqtt_port: int = Field(default=1883, ge=1, le=65535)
    mqtt_base_topic: str = "zigbee2mqtt"
    mqtt_client_id: str = Field(default="anfang-z2m", description="unique per anfang instance")
    sia_host: str = Field(
        default="127.0.0.1", description="address of the SIA DC-09 receiver (0.0.0.0: all)"
    )
    sia_port: int = Field(default=12000, ge=0, le=65535, description="TCP and UDP; 0: any free")
    sia_enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    site_timezone: str = "Asia/Shanghai"
    admin_password: SecretStr | None = None
    audit_key_file: Path | None = None
    secrets_key_file: Path | None = Field(
        default=None, description="AES key for secrets at rest (default: data_dir/keys/secrets.key)"
    )
    audit_checkpoint_every: int = Field(default=100, ge=1)
    audit_checkpoint_seconds: float = Field(default=1.0, gt=0)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    writer_batch_max: int = Field(default=4000, ge=1)
    writer_linger_ms: float = Field(
        default=2.0, ge=0, le=50, description="wait this long to gather a bigger group commit"
    )
    sqlite_checkpoint_seconds: float = Field(
        default=1.0, gt=0, description="how often the WAL is checkpointed (SQLite)"
    )
    sqlite_synchronous: str = Field(default="FULL", pattern="^(FULL|NORMAL|EXTRA)$")
    token_ttl_seconds: int = Field(default=12 * 3600, ge=60)
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_seconds: float = Field(default=60.0, ge=0)
    supervision_interval_seconds: float = Field(default=5.0, gt=0)
    escalation_interval_seconds: float = Field(default=5.0, gt=0)
    device_push_window_seconds: int = Field(default=60, ge=1)

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to SQLite under the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'anfang.db').resolve()}"

    def resolved_audit_key_file(self) -> Path:
        """Where the Ed25519 audit-signing key lives (outside the database)."""
        return self.audit_key_file or self.data_dir / "keys" / "audit-ed25519.pem"

    def resolved_secrets_key_file(self) -> Path:
        """Where the AES key sealing secrets at rest lives (outside the database)."""
        return self.secrets_key_file or self.data_dir / "keys" / "secrets.key"
