"""Every router of the API, in one list (mounted under ``/api/v1``)."""

from __future__ import annotations

from fastapi import APIRouter

from anfang.api.routes import alarms, audit, auth, events, stream
from anfang.core.adapters import http_push_api
from anfang.core.site import api as site_api
from anfang.subsystems import routers as subsystem_routers

ROUTERS: list[APIRouter] = [
    auth.router,
    events.router,
    alarms.router,
    stream.router,
    audit.router,
    site_api.router,
    http_push_api.router,
    *subsystem_routers(),
]
