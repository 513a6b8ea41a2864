"""Resident users: which household a ``resident`` login issues visitor passes for."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from anfang.core.writer import WriteContext
from anfang.store.models import Household, User
from anfang.subsystems.access.models_passes import ResidentUser
from anfang.subsystems.access.passes_service import PassError

if TYPE_CHECKING:
    from anfang.kernel import Kernel


async def bind_resident(platform: Kernel, actor: str, username: str, household_id: int) -> None:
    """Bind a ``resident`` user to a household (audited); raises :class:`PassError`."""

    def job(ctx: WriteContext) -> None:
        s = ctx.session
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise PassError(404, f"no user {username!r}")
        if user.role != "resident":
            raise PassError(422, f"user {username!r} has role {user.role!r}, not resident")
        if s.get(Household, household_id) is None:
            raise PassError(422, f"household {household_id} does not exist")
        link = s.get(ResidentUser, user.id)
        if link is None:
            s.add(ResidentUser(user_id=user.id, household_id=household_id))
        else:
            link.household_id = household_id
        s.flush()
        platform.audit.append(
            ctx, actor, "resident_user.bind", f"user:{username}", {"household": household_id}
        )

    await platform.writer.run(job)
