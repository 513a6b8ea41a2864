"""Typed capabilities: what one part of the platform offers the others, found by a typed key.

A part that offers something defines a :class:`Key` next to the type it offers
(``FACE: Key[FaceService] = Key("face")``) and provides it while it runs; a part that
uses it asks for that key and gets the offered type back, checked by mypy, instead of an
``object`` out of a dictionary. (aiohttp's ``AppKey`` is the same idea; a two-line class
is all it takes, so no library is used.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar, cast

from anfang.core.writer import WriterHook

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Key(Generic[T]):
    """The typed name of a capability; define it as ``NAME: Key[Type] = Key("name")``."""

    name: str


class Unavailable(LookupError):
    """A capability that is not offered now (its part is switched off or not started)."""


class Capabilities:
    """What the running parts of the platform offer each other."""

    def __init__(self) -> None:
        self._offered: dict[str, object] = {}

    def provide(self, key: Key[T], value: T) -> None:
        """Offer ``value`` under ``key`` (replacing what was offered before)."""
        self._offered[key.name] = value

    def withdraw(self, key: Key[T]) -> None:
        """Stop offering ``key`` (no error when it was not offered)."""
        self._offered.pop(key.name, None)

    def get(self, key: Key[T]) -> T | None:
        """What is offered under ``key``, or ``None``."""
        # The key's type parameter is the promise made by whoever provided it (provide()
        # accepts only a value of that type), so the cast holds.
        return cast("T | None", self._offered.get(key.name))

    def require(self, key: Key[T]) -> T:
        """What is offered under ``key``; raises :class:`Unavailable` when nothing is."""
        found = self.get(key)
        if found is None:
            raise Unavailable(f"{key.name} is not available")
        return found

    def __contains__(self, key: object) -> bool:
        return isinstance(key, Key) and key.name in self._offered


# Keys that more than one subsystem uses; a subsystem's own keys stand beside what it offers.

INTRUSION_HOOK: Key[WriterHook] = Key("perimeter.intrusion_hook")
"""The writer hook that decides intrusion alarms by zone state; a hook that maps events to
zones (the home-alarm panels' zones, say) must run before it."""


class DoorOpener(Protocol):
    """Opens a door or barrier by its code (the access subsystem offers it; the car park
    uses it for its barriers)."""

    async def open_door(self, code: str, actor: str, reason: str) -> str:
        """Open door ``code`` (audited with ``actor`` and ``reason``); the event id. Raises
        ``DomainError`` (404) when there is no such door."""

    def has_door(self, code: str) -> bool:
        """Whether a door or barrier ``code`` is configured."""


DOOR_OPENER: Key[DoorOpener] = Key("access.door_opener")
"""Opening a door or barrier from another part (audited like an operator's remote open)."""


@dataclass(frozen=True, slots=True)
class VideoUnit:
    """One picture of a camera: codec (h264, hevc), 90 kHz PTS, key or not, Annex B data."""

    codec: str
    pts: int
    keyframe: bool
    data: bytes


@dataclass(frozen=True, slots=True)
class RecordedSpan:
    """An unbroken recorded stretch of a camera (gaps split spans)."""

    start: datetime
    end: datetime
    size: int


class VideoSource(Protocol):
    """A camera's pictures as they are, without decoding (the video subsystem offers it; the
    police uplink packs them into PS for the upper platform)."""

    def live(self, camera: str) -> AsyncIterator[VideoUnit]:
        """The camera's main stream from its next keyframe on, until the caller stops or the
        stream ends. ``DomainError`` 404 for an unknown camera; ``ConnectionError`` when it
        cannot be read."""

    def playback(self, camera: str, start: datetime, end: datetime) -> AsyncIterator[VideoUnit]:
        """The recorded pictures of ``[start, end)`` at their own pace."""

    def recorded(self, camera: str, start: datetime, end: datetime) -> list[RecordedSpan]:
        """What is recorded of ``[start, end)`` (blocking: a database read)."""


VIDEO_SOURCE: Key[VideoSource] = Key("video.source")
"""Cameras' pictures and recording index for parts that send video elsewhere."""


class CaptureReader(Protocol):
    """Reads a stored capture (a face photo) by the name its event's media carries."""

    def read_capture(self, name: str) -> bytes | None:
        """The image's bytes (unsealed), or None once retention removed it (blocking)."""


CAPTURES: Key[CaptureReader] = Key("access.captures")
"""Access control's stored captures, for parts that forward them (the police uplink)."""


class RetentionPolicy(Protocol):
    """How long each type of record is kept (compliance offers it; the video recorder's
    retention sweep and camera settings never go below it)."""

    def days(self, record_type: str) -> int | None:
        """The days ``record_type`` (video, alarm, access, patrol, logs) is kept at least."""


RETENTION: Key[RetentionPolicy] = Key("compliance.retention")
"""The records rules' retention per record type."""
