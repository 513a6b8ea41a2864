"""Every router of the API, in one list (mounted under ``/api/v1``)."""

from __future__ import annotations

from fastapi import APIRouter

from anfang.api.routes import alarms, audit, auth, events, stream

ROUTERS: list[APIRouter] = [
    auth.router,
    events.router,
    alarms.router,
    stream.router,
    audit.router,
]
