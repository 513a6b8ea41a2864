"""Visitor passes on the platform: issue, list, revoke, QR images and the online check.

The pass format itself is the pure ``passes`` module; here passes are stored, audited and
checked online (``check_pass``), a use consumed atomically through the single writer.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import segno
from prometheus_client import Counter
from sqlalchemy import CursorResult, String, column, func, select, table, update
from sqlalchemy.orm import Session

from anfang.core.errors import DomainError
from anfang.core.events import new_id
from anfang.core.secretbox import SecretError
from anfang.core.writer import WriteContext
from anfang.store.base import Base, utcnow
from anfang.store.models import Building, Device, Household, Unit
from anfang.subsystems.access.models_passes import (
    PassCreate,
    PassIssued,
    PassOut,
    ResidentUser,
    VisitorPass,
    VisitorPassUse,
)
from anfang.subsystems.access.pass_signer import PassSigner, signer
from anfang.subsystems.access.passes import (
    PassInvalid,
    PassPayload,
    decode,
    encode,
    name_hash,
    verify,
)
from anfang.subsystems.access.resident_passes import doors_on_the_way_home, resident_limits

if TYPE_CHECKING:
    from anfang.api.deps import Principal
    from anfang.kernel import Kernel

MAX_SPAN = timedelta(days=31)
REPLAY_WINDOW = timedelta(seconds=30)
CHECKS = Counter("anfang_visitor_pass_checks_total", "Visitor pass checks", ["result"])
ISSUED = Counter("anfang_visitor_passes_issued_total", "Visitor passes issued")
log = logging.getLogger(__name__)
# Access control's doors, named lightly: a pass may name a door or a device by its code.
_DOORS = table("access_doors", column("code", String))


class PassError(DomainError):
    """A refused pass operation; ``status`` is the HTTP answer it maps to."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True)
class PassDecision:
    """The answer to a pass shown at a door; ``reason`` is a machine code."""

    granted: bool
    reason: str
    pass_id: str | None = None
    holder: str | None = None


def _phone_purpose(pass_id: str) -> str:
    return f"visitor_pass:{pass_id}:phone"


def status_of(row: VisitorPass, now: datetime) -> str:
    """``revoked``, ``used_up``, ``expired``, ``pending`` or ``active``."""
    if row.revoked_at is not None:
        return "revoked"
    if row.uses_used >= row.uses_allowed:
        return "used_up"
    if now >= row.valid_until:
        return "expired"
    return "pending" if now < row.valid_from else "active"


def pass_out(row: VisitorPass, phone: str | None = None) -> PassOut:
    """A stored pass as the API shows it."""
    return PassOut(
        id=row.id,
        site_id=row.site_id,
        household_id=row.household_id,
        issuer=row.issuer,
        visitor_name=row.visitor_name,
        visitor_phone=phone,
        doors=list(row.doors),
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        uses_allowed=row.uses_allowed,
        uses_used=row.uses_used,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        revoked_by=row.revoked_by,
        status=status_of(row, utcnow()),
    )


def resident_household(session: Session, who: Principal) -> int | None:
    """The household a resident user is bound to, else None."""
    return session.scalar(
        select(ResidentUser.household_id).where(ResidentUser.user_id == who.user_id)
    )


def _whole_seconds(t: datetime) -> datetime:
    if t.tzinfo is None:
        raise PassError(422, "times must carry a timezone offset (e.g. 2026-01-01T09:00+08:00)")
    return t.astimezone(UTC).replace(microsecond=0)


def _check_doors(doors: list[str]) -> tuple[str, ...]:
    out: list[str] = []
    for d in doors:
        if not d or len(d) > 64 or not d.isascii() or not d.isprintable():
            raise PassError(422, f"door code {d!r} must be 1-64 printable ASCII characters")
        if d not in out:
            out.append(d)
    return tuple(out)


async def issue(platform: Kernel, who: Principal, data: PassCreate) -> PassIssued:
    """Issue a pass for a household (a resident: their own), audited; QR text included."""
    now = utcnow().replace(microsecond=0)
    start = _whole_seconds(data.valid_from) if data.valid_from else now
    until = _whole_seconds(data.valid_until)
    if until <= start:
        raise PassError(422, "valid_until must be after valid_from")
    if until <= now:
        raise PassError(422, "valid_until is in the past")
    if until - start > MAX_SPAN:
        raise PassError(422, f"a pass may be valid for at most {MAX_SPAN.days} days")
    doors = _check_doors(data.doors)
    sign = await signer(platform)
    pass_id = new_id()
    nh = name_hash(pass_id, data.visitor_name)
    phone = data.visitor_phone

    def job(ctx: WriteContext) -> tuple[VisitorPass, str]:
        s = ctx.session
        household = data.household_id
        if who.role == "resident":
            own = resident_household(s, who)
            if own is None:
                raise PassError(403, "this resident account is not bound to a household")
            if household not in (None, own):
                raise PassError(403, "residents issue passes for their own household only")
            household = own
            resident_limits(platform.settings, start, until, data.uses)
            doors_on_the_way_home(s, own, doors)
        if household is None:
            raise PassError(422, "household_id is required")
        site_id = s.scalar(
            select(Building.site_id)
            .join(Unit, Unit.building_id == Building.id)
            .join(Household, Household.unit_id == Unit.id)
            .where(Household.id == household)
        )
        if site_id is None:
            raise PassError(422, f"household {household} does not exist")
        known = set(s.scalars(select(Device.code).where(Device.code.in_(doors))))
        if "access_doors" in Base.metadata.tables:  # access control's own doors
            known |= set(s.scalars(select(_DOORS.c.code).where(_DOORS.c.code.in_(doors))))
        if unknown := [d for d in doors if d not in known]:
            raise PassError(422, f"unknown door(s): {', '.join(unknown)}")
        payload = PassPayload(sign.kid, pass_id, site_id, start, until, data.uses, nh, doors)
        row = VisitorPass(
            id=pass_id,
            site_id=site_id,
            household_id=household,
            issuer=who.actor,
            visitor_name=data.visitor_name,
            name_hash=nh.hex(),
            phone_sealed=platform.secrets.seal(phone.encode(), _phone_purpose(pass_id))
            if phone
            else None,
            doors=list(doors),
            valid_from=start,
            valid_until=until,
            uses_allowed=data.uses,
            uses_used=0,
            key_id=sign.kid.hex(),
            created_at=now,
        )
        s.add(row)
        s.flush()
        platform.audit.append(
            ctx,
            who.actor,
            "visitor_pass.issue",
            f"visitor_pass:{pass_id}",
            {"household_id": household, "doors": list(doors), "uses": data.uses},
        )
        return row, encode(payload, sign.key)

    row, text = await platform.writer.run(job)
    ISSUED.inc()
    return PassIssued(**pass_out(row, phone).model_dump(), qr_text=text)


def qr_text_of(row: VisitorPass, sign: PassSigner) -> str:
    """Re-create a stored pass's QR text (Ed25519 signatures are deterministic)."""
    payload = PassPayload(
        bytes.fromhex(row.key_id),
        row.id,
        row.site_id,
        row.valid_from,
        row.valid_until,
        row.uses_allowed,
        bytes.fromhex(row.name_hash),
        tuple(row.doors),
    )
    if payload.key_id != sign.kid:
        raise PassError(409, "this pass was signed with an earlier key; issue a new one")
    return encode(payload, sign.key)


def get_visible(session: Session, who: Principal, pass_id: str, staff: bool) -> VisitorPass:
    """A pass the caller may see (staff: any; a resident: their household's), else 404."""
    row = session.get(VisitorPass, pass_id)
    if row is None or (not staff and row.household_id != resident_household(session, who)):
        raise PassError(404, f"no visitor pass {pass_id}")
    return row


def open_phone(platform: Kernel, row: VisitorPass) -> str | None:
    """The visitor's phone, unsealed (staff views only)."""
    if row.phone_sealed is None:
        return None
    try:
        return platform.secrets.open(row.phone_sealed, _phone_purpose(row.id)).decode()
    except SecretError as exc:  # another secrets key: say so, but show the pass
        log.warning("visitor pass %s: phone does not open: %s", row.id, exc)
        return None


async def revoke(
    platform: Kernel, who: Principal, pass_id: str, staff: bool, reason: str | None = None
) -> PassOut:
    """Revoke a pass (a resident: only their household's), audited with the reason given;
    idempotent."""

    def job(ctx: WriteContext) -> VisitorPass:
        row = get_visible(ctx.session, who, pass_id, staff)
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            row.revoked_by = who.actor
            ctx.session.flush()
            platform.audit.append(
                ctx,
                who.actor,
                "visitor_pass.revoke",
                f"visitor_pass:{pass_id}",
                {"reason": reason} if reason else {},
            )
        return row

    return pass_out(await platform.writer.run(job))


def qr_image(text: str, kind: str, scale: int) -> bytes:
    """The QR code of ``text`` as PNG or SVG (blocking: call it in a thread)."""
    code = segno.make(text, error="m", micro=False)
    buf = io.BytesIO()
    code.save(buf, kind=kind, scale=scale, border=4)
    return buf.getvalue()


def _deny(
    reason: str, message: str, pass_id: str | None = None, holder: str | None = None
) -> PassDecision:
    CHECKS.labels(reason).inc()
    log.info("visitor pass refused (%s): %s", reason, message)
    return PassDecision(False, reason, pass_id, holder)


async def check_pass(platform: Kernel, qr_text: str, door_code: str) -> PassDecision:
    """Check a pass shown at ``door_code`` and consume one use when it opens.

    Signature, window (± ``MAX_SKEW``), door, revocation and remaining uses; the use is
    taken with one conditional UPDATE in the writer, so two gates cannot overspend.
    """
    sign = await signer(platform)
    now = utcnow()
    try:
        payload = verify(qr_text, {sign.kid: sign.public}, now, door_code)
    except PassInvalid as exc:
        if exc.reason in ("malformed", "forged", "unknown_key"):
            return _deny(exc.reason, str(exc))
        payload = decode(qr_text)[0]  # signature is good: the refusal belongs to a pass
        reason, pid = exc.reason, payload.pass_id
    else:
        reason, pid = "granted", payload.pass_id

    def job(ctx: WriteContext) -> tuple[str, str | None]:
        s = ctx.session
        row = s.get(VisitorPass, pid)
        if row is None:
            return "unknown_pass", None
        result = reason
        if result == "granted" and row.revoked_at is not None:
            result = "revoked"
        elif result == "granted":
            took = s.execute(
                update(VisitorPass)
                .where(
                    VisitorPass.id == pid,
                    VisitorPass.uses_used < VisitorPass.uses_allowed,
                    VisitorPass.revoked_at.is_(None),
                )
                .values(uses_used=VisitorPass.uses_used + 1)
                .execution_options(synchronize_session=False)
            )
            if cast(CursorResult[Any], took).rowcount != 1:
                last = s.scalar(
                    select(func.max(VisitorPassUse.at)).where(
                        VisitorPassUse.pass_id == pid, VisitorPassUse.granted.is_(True)
                    )
                )
                result = "replayed" if last and now - last < REPLAY_WINDOW else "exhausted"
        s.add(
            VisitorPassUse(
                pass_id=pid, door=door_code[:64], at=now, granted=result == "granted", reason=result
            )
        )
        return result, row.visitor_name

    result, holder = await platform.writer.run(job)
    if result != "granted":
        return _deny(result, f"pass {pid} at {door_code!r}", pid, holder)
    CHECKS.labels("granted").inc()
    return PassDecision(True, "granted", pid, holder)
