"""Settings, read from ``ANFANG_*`` environment variables; unknown keys are rejected."""

from __future__ import annotations

import difflib
import ipaddress
import os
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PREFIX = "ANFANG_"
# Variables of the tools around anfang, not settings of an instance.
OTHER_VARIABLES = frozenset(
    {"ANFANG_USER_FORCE", "ANFANG_NEW_PASSWORD", "ANFANG_SERVICE_DIR", "ANFANG_GST_PYTHON"}
)
OTHER_PREFIXES = ("ANFANG_TEST_", "ANFANG_BENCH_", "ANFANG_FACES_")


class Settings(BaseSettings):
    """All runtime settings of one anfang instance."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="forbid")

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
    sia_front_process: bool = Field(
        default=True,
        description="panels' connections, parsing and replies in a process of their own",
    )
    face_enabled: bool = True
    face_workers: int = Field(default=1, ge=1, le=16, description="face-engine processes")
    face_engine: Literal["mobilefacenet", "dlib"] = Field(
        default="mobilefacenet",
        description="face models: the shipped MobileFaceNet ONNX set, or dlib's ResNet",
    )
    # Cosine similarities; unset: the engine's measured operating point (face/operating.py,
    # docs/face.md). A match must also beat the next person by the margin.
    face_min_similarity: float | None = Field(
        default=None, ge=-1, le=1, description="1:N at entrances (unset: the engine's)"
    )
    face_margin: float | None = Field(
        default=None, ge=0, le=1, description="a 1:N match must beat the next person by this"
    )
    face_watch_min_similarity: float | None = Field(
        default=None, ge=-1, le=1, description="watch-list hits (unset: the engine's)"
    )
    face_verify_min_similarity: float | None = Field(
        default=None, ge=-1, le=1, description="1:1 visitor verification (unset: the engine's)"
    )
    face_liveness: Literal["off", "score", "enforce"] = Field(
        default="score",
        description="server-side liveness where a terminal sends no verdict: off, score "
        "(recorded with the decision) or enforce (refuse below the minimum)",
    )
    face_liveness_min_score: float = Field(default=0.5, ge=0, le=1)
    face_max_upload_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)
    face_max_pixels: int = Field(default=40_000_000, ge=10_000)
    face_min_face_px: int = Field(default=60, ge=20)
    intercom_enabled: bool = True
    intercom_sip_host: str = "127.0.0.1"
    intercom_sip_port: int = Field(default=5060, ge=0, le=65535, description="UDP; 0: any free")
    intercom_ring_timeout_s: float = Field(default=30.0, gt=0, le=300)
    intercom_domain: str = "anfang"
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="reverse proxies whose X-Forwarded-For is believed (comma-separated "
        "addresses or networks); unset: none, the peer address is the client",
    )
    tls_certfile: Path | None = Field(default=None, description="PEM certificate: serve HTTPS")
    tls_keyfile: Path | None = Field(default=None, description="PEM private key of the certificate")
    site_timezone: str = "Asia/Shanghai"
    uplink_enabled: bool = True
    uplink_centre: str = Field(
        default="34020000",
        pattern=r"^[0-9]{8}$",
        description="the 8-digit administrative division code that begins every national "
        "device ID (GB/T 28181)",
    )
    uplink_role: Literal["community", "district"] = Field(
        default="community",
        description="district: this node gathers the communities publishing to its stream",
    )
    uplink_district_url: str | None = Field(
        default=None,
        description="nats://host:port of the district's NATS JetStream; unset: no district",
    )
    uplink_district_stream: str = Field(default="ANFANG_DISTRICT", pattern=r"^[A-Za-z0-9_-]+$")
    uplink_community: str = Field(
        default="", pattern=r"^[A-Za-z0-9_-]*$", description="this community's code at the district"
    )
    uplink_community_name: str = ""
    uplink_console_url: str = Field(
        default="", description="where the district links to this community's console"
    )
    uplink_sip_host: str = Field(
        default="127.0.0.1", description="the address the uplink's SIP and RTP sockets use"
    )
    admin_password: SecretStr | None = None
    audit_key_file: Path | None = None
    secrets_key_file: Path | None = Field(
        default=None, description="AES key for secrets at rest (default: data_dir/keys/secrets.key)"
    )
    audit_anchor_mirrors: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="more directories (comma-separated) each checkpoint is appended to: "
        "a write-once mount or another machine's share",
    )
    audit_syslog: str | None = Field(
        default=None, description="udp://host:port or tcp://host:port: checkpoints sent there"
    )
    audit_start_flagged: bool = Field(
        default=False,
        description="start although the audit chain and its anchors disagree (flagged)",
    )
    audit_checkpoint_every: int = Field(default=100, ge=1)
    audit_checkpoint_seconds: float = Field(default=1.0, gt=0)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    db_read_pool_size: int = Field(
        default=12, ge=1, le=200, description="database connections for API readers"
    )
    db_read_pool_timeout_seconds: float = Field(
        default=2.0, gt=0, le=60, description="a reader waits this long, then gets 503"
    )
    api_max_concurrent: int = Field(
        default=64, ge=1, description="API requests served at once; more get 503 at once"
    )
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
    escalation_max_level: int = Field(
        default=3, ge=0, le=10, description="how many times an unacknowledged alarm escalates"
    )
    parking_lpr_workers: int = Field(
        default=1, ge=0, le=16, description="plate recognition worker processes (0: off)"
    )
    patrol_eval_interval_seconds: float = Field(
        default=10.0, gt=0, description="how often guard-tour rounds are planned and judged"
    )
    device_push_window_seconds: int = Field(default=60, ge=1)
    video_root: Path | None = Field(
        default=None, description="recording storage root (default: data_dir/recordings)"
    )
    video_recording: bool = Field(default=True, description="record the cameras' main streams")
    video_workers: int = Field(default=1, ge=1, le=64, description="recorder processes")
    video_loss_seconds: float = Field(
        default=10.0, gt=0, description="no packets this long: video.loss event and alarm"
    )
    video_reconnect_max_seconds: float = Field(default=30.0, gt=0)
    video_quota_bytes: int | None = Field(
        default=None, ge=0, description="recordings may use at most this much disk"
    )
    video_min_free_bytes: int = Field(
        default=1 << 30, ge=0, description="emergency floor: delete oldest below this free space"
    )
    video_retention_interval_seconds: float = Field(default=300.0, gt=0)
    video_export_approval_minutes: float = Field(
        default=30.0, gt=0, description="exports longer than this need a second person's approval"
    )
    resident_pass_max_uses: int = Field(
        default=10, ge=1, le=100, description="most uses of a visitor pass a resident issues"
    )
    resident_pass_max_days: int = Field(
        default=7, ge=1, le=31, description="longest validity of a resident's visitor pass"
    )
    access_capture_retention_days: int = Field(
        default=30, ge=1, le=3650, description="days to keep face captures of access decisions"
    )

    @field_validator("audit_anchor_mirrors", mode="before")
    @classmethod
    def _split_paths(cls, value: object) -> object:
        if isinstance(value, str):
            return [Path(v.strip()) for v in value.split(",") if v.strip()]
        return value

    @field_validator("audit_syslog")
    @classmethod
    def _syslog_url(cls, value: str | None) -> str | None:
        if value is not None and not (
            value.startswith(("udp://", "tcp://")) and value.split("://", 1)[1]
        ):
            raise ValueError("must be udp://host:port or tcp://host:port")
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(value, list):
            for v in value:
                ipaddress.ip_network(str(v), strict=False)  # ValueError names the bad one
        return value

    @model_validator(mode="after")
    def _checked(self) -> Self:
        unknown = unknown_variables(os.environ)
        if unknown:
            raise ValueError("; ".join(unknown))
        if (self.tls_certfile is None) != (self.tls_keyfile is None):
            raise ValueError("set both ANFANG_TLS_CERTFILE and ANFANG_TLS_KEYFILE, or neither")
        for path in (self.tls_certfile, self.tls_keyfile):
            if path is not None and not path.is_file():
                raise ValueError(f"TLS file {path} does not exist")
        return self

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


# Settings that were replaced: the message says by what, not the nearest spelling.
RENAMED = {
    "ANFANG_FACE_THRESHOLD": "ANFANG_FACE_MIN_SIMILARITY (a cosine similarity, higher is "
    "stricter; unset uses the engine's measured value: docs/face.md)",
}


def unknown_variables(environ: dict[str, str] | os._Environ[str]) -> list[str]:
    """A message for each ``ANFANG_*`` variable that is no setting, naming the nearest one
    (a misspelt setting must not be silently ignored)."""
    known = {PREFIX + name.upper() for name in Settings.model_fields}
    out = []
    for var in sorted(environ):
        upper = var.upper()
        if not upper.startswith(PREFIX) or upper in known or upper in OTHER_VARIABLES:
            continue
        if upper.startswith(OTHER_PREFIXES):
            continue
        if upper in RENAMED:
            out.append(f"setting {var} was replaced by {RENAMED[upper]}")
            continue
        near = difflib.get_close_matches(upper, sorted(known), n=1, cutoff=0.6)
        hint = f"; did you mean {near[0]}?" if near else ""
        out.append(f"unknown setting {var}{hint}")
    return out


def problem(exc: ValidationError) -> str:
    """One line per refused setting, without pydantic's URLs."""
    lines = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()))
        name = f"{PREFIX}{where.upper()}: " if where else ""
        lines.append(f"{name}{err.get('msg', '').removeprefix('Value error, ')}")
    return "\n".join(lines)
