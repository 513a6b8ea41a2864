"""The access decision, pure: configuration snapshot + request + time in, decision out.

No I/O and no clock of its own: the service passes ``now`` and the holder's last
anti-passback direction, so every rule (who, where, when, validity, passback) is tested
here without a database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

# reason -> (Chinese display text for the terminal, English)
REASONS: dict[str, tuple[str, str]] = {
    "ok": ("欢迎通行", "Welcome"),
    "passback_soft": ("欢迎通行（反潜回提示）", "Welcome (passback warning)"),
    "remote_open": ("远程开门", "Opened remotely"),
    "unknown_reader": ("读头未登记", "Unknown reader"),
    "door_disabled": ("此门已停用", "Door disabled"),
    "unknown_credential": ("未登记的卡/密码", "Unknown credential"),
    "credential_inactive": ("凭证已挂失或停用", "Credential lost or suspended"),
    "credential_not_valid": ("凭证不在有效期内", "Credential not valid now"),
    "holder_inactive": ("人员已停用", "Holder suspended"),
    "holder_not_valid": ("人员不在有效期内", "Holder not valid now"),
    "no_permission": ("无此门通行权限", "No permission for this door"),
    "outside_schedule": ("不在通行时段", "Outside allowed hours"),
    "passback": ("反潜回：请从另一侧刷卡", "Anti-passback: wrong direction"),
    "bad_credential": ("凭证格式错误", "Malformed credential"),
    "face_no_face": ("未检测到人脸", "No face found"),
    "face_many": ("请单人通过", "More than one face"),
    "face_unknown": ("未识别，请联系物业", "Face not recognised"),
    "face_watchlist": ("未识别，请联系物业", "Watch-list hit"),
    "liveness_failed": ("活体检测未通过", "Liveness check failed"),
    "face_unavailable": ("人脸识别暂不可用", "Face recognition unavailable"),
    "qr_unavailable": ("二维码核验暂不可用", "QR verification unavailable"),
    "qr_refused": ("二维码无效", "QR code refused"),
}


def display(reason: str) -> str:
    """The Chinese text a terminal shows for ``reason``."""
    return REASONS.get(reason, ("禁止通行", ""))[0]


@dataclass(frozen=True, slots=True)
class Window:
    """Weekdays (Monday = 0) and minutes of the day ``[start, end)``."""

    days: frozenset[int]
    start: int
    end: int

    def covers(self, weekday: int, minute: int) -> bool:
        """Whether the local ``weekday`` and ``minute`` fall in this window."""
        return weekday in self.days and self.start <= minute < self.end


def parse_hhmm(text: str) -> int:
    """Minutes of ``"HH:MM"`` (``"24:00"`` allowed as the end of a day)."""
    hh, sep, mm = text.partition(":")
    if not sep or not hh.isdigit() or not mm.isdigit() or len(mm) != 2:
        raise ValueError(f"time {text!r} must be HH:MM")
    value = int(hh) * 60 + int(mm)
    if int(mm) > 59 or value > 24 * 60:
        raise ValueError(f"time {text!r} out of range")
    return value


def window_of(raw: dict[str, object]) -> Window:
    """A window from its stored form ``{"days": [...], "start": "HH:MM", "end": "HH:MM"}``."""
    days = raw.get("days")
    if not isinstance(days, list) or not all(isinstance(d, int) and 0 <= d <= 6 for d in days):
        raise ValueError("days must be a list of weekday numbers 0 (Monday) to 6")
    start, end = parse_hhmm(str(raw.get("start", ""))), parse_hhmm(str(raw.get("end", "")))
    if end <= start:
        raise ValueError("end must be after start (split windows that cross midnight)")
    return Window(frozenset(days), start, end)


@dataclass(frozen=True, slots=True)
class Schedule:
    """Weekly windows; on a holiday ``holiday_windows`` apply instead."""

    windows: tuple[Window, ...]
    holiday_windows: tuple[Window, ...] = ()

    def allows(self, local: datetime, holidays: frozenset[str]) -> bool:
        """Whether the site-local time ``local`` is inside the schedule."""
        minute = local.hour * 60 + local.minute
        holiday = local.date().isoformat() in holidays
        windows = self.holiday_windows if holiday else self.windows
        return any(w.covers(local.weekday(), minute) for w in windows)


@dataclass(frozen=True, slots=True)
class Door:
    """What a decision needs of a door."""

    id: int
    code: str
    name: str
    kind: str = "door"
    enabled: bool = True
    anti_passback: str = "off"
    area: str = ""
    unit_id: int | None = None
    reset_h: int | None = None  # passback state older than this many hours is void
    reset_at: int | None = None  # minute of the site-local day when passback state resets


@dataclass(frozen=True, slots=True)
class Holder:
    """What a decision needs of a holder."""

    id: int
    name: str
    kind: str = "staff"
    state: str = "active"
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    groups: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Credential:
    """What a decision needs of a credential."""

    id: int
    holder_id: int
    kind: str
    state: str = "active"
    valid_from: datetime | None = None
    valid_until: datetime | None = None


@dataclass(slots=True)
class Config:
    """A snapshot of the access configuration (rebuilt whole on every change)."""

    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    doors: dict[int, Door] = field(default_factory=dict)
    credentials: dict[tuple[str, str], Credential] = field(default_factory=dict)
    holders: dict[int, Holder] = field(default_factory=dict)
    # door id -> [(group id, schedule id or None)]
    rules: dict[int, list[tuple[int, int | None]]] = field(default_factory=dict)
    schedules: dict[int, Schedule] = field(default_factory=dict)
    holidays: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer: granted or not, why, for whom; ``passback_violation`` in soft mode."""

    granted: bool
    reason: str
    holder_id: int | None = None
    holder_name: str | None = None
    credential_id: int | None = None
    passback_violation: bool = False


def _valid(start: datetime | None, end: datetime | None, now: datetime) -> bool:
    return (start is None or start <= now) and (end is None or now < end)


def passback_expired(door: Door, at: datetime, now: datetime, tz: ZoneInfo) -> bool:
    """Whether a passback state set at ``at`` has been reset by ``now``: ``reset_h`` hours
    passed, or the daily reset time (site-local) fell between ``at`` and ``now``."""
    if door.reset_h is not None and now - at >= timedelta(hours=door.reset_h):
        return True
    if door.reset_at is None:
        return False
    local = now.astimezone(tz)
    hh, mm = divmod(door.reset_at, 60)
    last_reset = datetime.combine(local.date(), time(hh % 24, mm), tzinfo=tz)
    if last_reset > local:
        last_reset = datetime.combine(
            local.date() - timedelta(days=1), time(hh % 24, mm), tzinfo=tz
        )
    return at < last_reset


def check_passback(door: Door, direction: str, last: str | None) -> str | None:
    """``"hard"``/``"soft"`` when passing ``direction`` repeats ``last``, else None."""
    if door.anti_passback == "off" or last is None or direction != last:
        return None
    return door.anti_passback


def decide(
    cfg: Config,
    door: Door,
    direction: str,
    kind: str,
    value: str,
    now: datetime,
    last_direction: str | None = None,
) -> Decision:
    """Decide one presentation of credential ``(kind, value)`` at ``door`` going ``direction``.

    Order: door, credential, holder, validity, group × door × schedule, anti-passback.
    """
    if not door.enabled:
        return Decision(False, "door_disabled")
    cred = cfg.credentials.get((kind, value))
    if cred is None:
        return Decision(False, "unknown_credential")
    holder = cfg.holders.get(cred.holder_id)
    if holder is None:
        return Decision(False, "unknown_credential", credential_id=cred.id)

    def who(granted: bool, reason: str, violation: bool = False) -> Decision:
        return Decision(granted, reason, holder.id, holder.name, cred.id, violation)

    if cred.state != "active":
        return who(False, "credential_inactive")
    if not _valid(cred.valid_from, cred.valid_until, now):
        return who(False, "credential_not_valid")
    if holder.state != "active":
        return who(False, "holder_inactive")
    if not _valid(holder.valid_from, holder.valid_until, now):
        return who(False, "holder_not_valid")
    rules = [(g, s) for g, s in cfg.rules.get(door.id, []) if g in holder.groups]
    if not rules:
        return who(False, "no_permission")
    local = now.astimezone(cfg.tz)
    in_time = any(
        s is None or (s in cfg.schedules and cfg.schedules[s].allows(local, cfg.holidays))
        for _, s in rules
    )
    if not in_time:
        return who(False, "outside_schedule")
    mode = check_passback(door, direction, last_direction)
    if mode == "hard":
        return who(False, "passback")
    if mode == "soft":
        return who(True, "passback_soft", violation=True)
    return who(True, "ok")
