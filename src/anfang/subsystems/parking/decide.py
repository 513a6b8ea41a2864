"""Whether a barrier opens for a plate, pure: the lists, invitations and the lane's rules in,
the decision and its reason out. The platform decides, never the camera: a black-listed
plate is an alarm wherever it is read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

VehicleClass = Literal["resident", "visitor", "unknown", "black"]


@dataclass(frozen=True, slots=True)
class Listed:
    """A plate's list entry: ``white`` (valid between the dates) or ``black``."""

    list: str
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    reason: str = ""
    household_id: int | None = None


@dataclass(frozen=True, slots=True)
class Lane:
    """What a decision needs of a lane."""

    direction: str  # "in" or "out"
    open_visitors: bool = True
    open_unknown: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    """The verdict for one read: open or not, the vehicle's class and why (a key the
    console translates)."""

    open: bool
    vehicle_class: VehicleClass
    reason: str


def decide(lane: Lane, listed: Listed | None, invited: bool, at: datetime) -> Decision:
    """The barrier's decision for a plate read at ``at``.

    A black-listed plate never opens (and raises an alarm elsewhere). Leaving is always
    allowed for a vehicle that is not black-listed (a car park must not trap anyone).
    """
    if listed is not None and listed.list == "black":
        return Decision(False, "black", "blacklisted")
    if listed is not None:
        if listed.valid_from is not None and at < listed.valid_from:
            valid = False
        else:
            valid = listed.valid_until is None or at <= listed.valid_until
        if valid:
            return Decision(True, "resident", "resident")
        cls: VehicleClass = "resident"
        expired = "resident_expired"
    else:
        cls, expired = ("visitor", "") if invited else ("unknown", "")
    if lane.direction == "out":
        return Decision(True, cls, "exit")
    if expired:
        return Decision(lane.open_unknown, cls, expired)
    if cls == "visitor":
        return Decision(
            lane.open_visitors, cls, "invited" if lane.open_visitors else "visitor_desk"
        )
    return Decision(lane.open_unknown, cls, "unknown_open" if lane.open_unknown else "unknown")
