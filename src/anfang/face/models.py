"""Face tables (people, sealed templates with their small sealed photo, sealed watch-list
snapshots) and the API schemas.

Biometric data is sensitive personal information: descriptors and photos are stored only
sealed with ``platform.secrets`` (AES-256-GCM, key file outside the database), bound to
their person (purpose ``face:<person_id>`` / ``face-photo:<person_id>``), so a template
copied to another person's row does not open.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from anfang.store.base import Base, utcnow

PersonKind = Literal["resident", "staff", "visitor", "watch"]
PERSON_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,63}$"


class FacePerson(Base):
    """A person known by face: who, why we may hold their face (consent), watch lists."""

    __tablename__ = "face_people"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16), default="resident")
    resident_id: Mapped[int | None] = mapped_column(
        # Removing the resident (moved out) deletes their face data with them.
        ForeignKey("residents.id", ondelete="CASCADE"),
        nullable=True,
        index=True,
    )
    consent_given_at: Mapped[datetime | None] = mapped_column(nullable=True)
    consent_by: Mapped[str] = mapped_column(String(100), default="")
    consent_basis: Mapped[str] = mapped_column(String(100), default="")
    watch_list: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    watch_priority: Mapped[int | None] = mapped_column(Integer, nullable=True)
    watch_note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100), default="")


class FaceTemplate(Base):
    """One enrolled descriptor (sealed) and the small face photo it came from (sealed)."""

    __tablename__ = "face_templates"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_pk: Mapped[int] = mapped_column(
        ForeignKey("face_people.id", ondelete="CASCADE"), index=True
    )
    # The engine that made the descriptor (face/engine.py MODEL_IDS): only the running
    # engine's templates are indexed; the others wait for re-enrolment (face/migrate.py).
    model: Mapped[str] = mapped_column(String(32), default="dlib-resnet-v1")
    descriptor_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    photo_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    quality: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FaceSnapshot(Base):
    """The capture of a watch-list hit (sealed), referenced by the event's media."""

    __tablename__ = "face_snapshots"
    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(64), index=True)
    image_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# ------------------------------------------------------------------ API schemas


class Consent(BaseModel):
    """The legal basis on which a face is held."""

    given_at: datetime | None = None
    by: str = Field(default="", max_length=100)
    basis: str = Field(default="", max_length=100)


class WatchListIn(BaseModel):
    """Put a person on a watch list (or take them off with ``list: null``)."""

    model_config = ConfigDict(populate_by_name=True)
    list_name: str | None = Field(default=None, alias="list", max_length=64)
    priority: int = Field(default=1, ge=1, le=5)
    note: str = Field(default="", max_length=200)


class PersonOut(BaseModel):
    """A person as the API shows them (never the template or photo)."""

    person_id: str
    name: str
    kind: str
    resident_id: int | None
    consent: Consent
    watch_list: str | None
    watch_priority: int | None
    templates: int
    created_at: datetime


class MatchOut(BaseModel):
    """The best match of an identification."""

    person_id: str
    name: str
    similarity: float = Field(description="cosine similarity, -1..1 (1: the same image)")
    kind: str
    watch_list: str | None = None
    watch_priority: int | None = None


class IdentifyOut(BaseModel):
    """What ``/face/identify`` answers."""

    match: MatchOut | None
    faces: int
    similarity: float | None = Field(default=None, description="the best, even if not accepted")
    runner_up: float | None = Field(default=None, description="the next person's similarity")
    threshold: float = Field(description="the similarity an entrance match needs")
    margin: float
    quality: dict[str, float] | None = None
    liveness: float | None = Field(default=None, description="server-side live score 0..1")
    decision_ms: float


class VerifyOut(BaseModel):
    """What ``/face/verify`` answers (1:1 against one person)."""

    person_id: str
    verified: bool
    similarity: float | None
    threshold: float
    faces: int
    decision_ms: float


class EnrollOut(BaseModel):
    """An enrolment that succeeded."""

    person: PersonOut
    template_id: int
    quality: dict[str, float]
    duplicate_of: str | None = None


class SearchIn(BaseModel):
    """Reason for an operator search (recorded in the audit log)."""

    reason: str = Field(min_length=4, max_length=300)
    k: int = Field(default=5, ge=1, le=20)
