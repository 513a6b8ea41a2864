"""How a round stands, pure: its plan, the check-ins and the time in, its state out.

A round is one walk of a route from a planned start. The guard may start any time from
``tolerance`` before the planned start to ``start_window`` after it; each point is then
expected ``offset`` minutes after the actual start (so a round started late is not late
at every point, only flagged ``started_late``), and counts as late when visited more than
``tolerance`` after that. A point not visited is ``overdue`` until the guard has moved on
(a later point visited) or the round's time is up, and only then ``missed``; ``grace``
delays that verdict for readers that upload their swipes later. Re-evaluating with more
check-ins (an offline batch) gives the state as it really was: nothing here remembers.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

PointStatus = Literal["pending", "on_time", "late", "overdue", "missed"]
RoundStatus = Literal[
    "scheduled", "waiting", "not_started", "on_time", "late", "out_of_order", "missed",
    "abandoned",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Plan:
    """A round's plan: the route's points as copied when the round was made."""

    start: datetime  # planned start
    checkpoints: tuple[int, ...]  # checkpoint ids in route order
    offsets_min: tuple[float, ...]  # expected minutes after the start, per point
    tolerance_min: float = 5.0
    start_window_min: float = 15.0
    grace_min: float = 0.0

    @property
    def earliest(self) -> datetime:
        """The first moment a check-in can belong to this round."""
        return self.start - timedelta(minutes=self.tolerance_min)

    @property
    def deadline(self) -> datetime:
        """When the last point is due at the latest start (plus tolerance and grace)."""
        last = self.offsets_min[-1] if self.offsets_min else 0.0
        total = self.start_window_min + last + self.tolerance_min + self.grace_min
        return self.start + timedelta(minutes=total)


@dataclass(frozen=True, slots=True)
class Visit:
    """A counted check-in: which checkpoint, when, by whom."""

    checkin_id: int
    checkpoint_id: int
    at: datetime
    guard: str | None = None


@dataclass(frozen=True, slots=True)
class PointState:
    """One point of the round."""

    status: PointStatus
    expected: datetime
    visited_at: datetime | None = None
    checkin_id: int | None = None
    out_of_order: bool = False


@dataclass(frozen=True, slots=True)
class RoundState:
    """The round as a whole; ``finished``: nothing can change it any more (but a late
    upload may still fill it in)."""

    status: RoundStatus
    finished: bool
    started_at: datetime | None
    started_late: bool
    guard: str | None
    points: tuple[PointState, ...]

    def count(self, status: PointStatus) -> int:
        """How many points have ``status``."""
        return sum(1 for p in self.points if p.status == status)

    @property
    def compliance(self) -> float:
        """The share of points visited on time (0 … 1)."""
        return self.count("on_time") / len(self.points) if self.points else 0.0


class VisitIndex:
    """Counted check-ins by checkpoint, in time order (what :func:`evaluate` searches)."""

    def __init__(self, visits: list[Visit]) -> None:
        self._by: dict[int, list[Visit]] = {}
        for v in sorted(visits, key=lambda v: v.at):
            self._by.setdefault(v.checkpoint_id, []).append(v)
        self._times = {cp: [v.at for v in vs] for cp, vs in self._by.items()}

    def between(self, checkpoint_id: int, first: datetime, last: datetime) -> list[Visit]:
        """The visits of one checkpoint from ``first`` to ``last`` inclusive."""
        times = self._times.get(checkpoint_id)
        if not times:
            return []
        vs = self._by[checkpoint_id]
        return vs[bisect_left(times, first) : bisect_right(times, last)]


def _match(plan: Plan, visits: list[Visit], guard: str | None) -> dict[int, Visit]:
    """Give each visit, in time order, to the first unvisited point of its checkpoint."""
    taken: dict[int, Visit] = {}
    for v in visits:
        if guard is not None and v.guard is not None and v.guard != guard:
            continue  # another guard's round at the same checkpoint
        for i, cp in enumerate(plan.checkpoints):
            if cp == v.checkpoint_id and i not in taken:
                taken[i] = v
                break
    return taken


def evaluate(plan: Plan, index: VisitIndex, now: datetime, guard: str | None = None) -> RoundState:
    """The round's state at ``now``; ``guard`` (when set) ignores other guards' swipes."""
    visits = sorted(
        {
            v.checkin_id: v
            for cp in set(plan.checkpoints)
            for v in index.between(cp, plan.earliest, min(now, plan.deadline))
        }.values(),
        key=lambda v: v.at,
    )
    taken = _match(plan, visits, guard)
    planned = [plan.start + timedelta(minutes=o) for o in plan.offsets_min]
    if not taken:
        window_end = plan.start + timedelta(minutes=plan.start_window_min)
        status: RoundStatus = (
            "scheduled" if now < plan.start else "waiting" if now <= window_end else "not_started"
        )
        pending = tuple(PointState("pending", t) for t in planned)
        return RoundState(status, now > plan.deadline, None, False, guard, pending)
    first_i = min(taken, key=lambda i: taken[i].at)
    started = taken[first_i].at - timedelta(minutes=plan.offsets_min[first_i])
    started = max(started, plan.earliest)
    late_start = started > plan.start + timedelta(minutes=plan.start_window_min)
    tol = timedelta(minutes=plan.tolerance_min)
    grace = timedelta(minutes=plan.grace_min)
    over = now > plan.deadline
    last_visited = max(taken)
    order = sorted(taken, key=lambda i: taken[i].at)
    seen_max, back = -1, set()
    for i in order:
        if i < seen_max:
            back.add(i)
        seen_max = max(seen_max, i)
    points: list[PointState] = []
    for i, offset in enumerate(plan.offsets_min):
        expected = started + timedelta(minutes=offset)
        v = taken.get(i)
        if v is not None:
            st: PointStatus = "on_time" if v.at <= expected + tol else "late"
            points.append(PointState(st, expected, v.at, v.checkin_id, i in back))
        elif now <= expected + tol:
            points.append(PointState("pending", expected))
        elif over or (i < last_visited and now > expected + tol + grace):
            points.append(PointState("missed", expected))
        else:
            points.append(PointState("overdue", expected))
    finished = over or all(p.status in ("on_time", "late", "missed") for p in points)
    verdict: RoundStatus = "late" if late_start else "on_time"
    if any(p.status in ("late", "overdue") for p in points):
        verdict = "late"
    if back:
        verdict = "out_of_order"
    if any(p.status == "missed" for p in points):
        verdict = "missed"
        tail = len(points) - 1 - last_visited
        if finished and tail >= 2 and all(p.status == "missed" for p in points[last_visited + 1 :]):
            verdict = "abandoned"
    guard_seen = guard or next((v.guard for v in visits if v.guard), None)
    return RoundState(verdict, finished, started, late_start, guard_seen, tuple(points))
