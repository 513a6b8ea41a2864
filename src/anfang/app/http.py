"""The FastAPI application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, generate_latest
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from anfang import __version__
from anfang.api.deps import Principal, require
from anfang.api.routes import alarms, audit, auth, events, service_accounts, stream, users
from anfang.app import redact, registry
from anfang.app.docs import mount_docs
from anfang.app.guards import Admission, SecurityHeaders
from anfang.app.openapi import document_errors
from anfang.app.platform import Platform
from anfang.auth.rbac import Perm
from anfang.config import Settings
from anfang.core.errors import DomainError, integrity_message
from anfang.core.kinds import UnknownEventKind
from anfang.core.writer import StorageUnavailable
from anfang.ingest import api as http_push_api
from anfang.site import api as site_api
from anfang.site.importer import MAX_IMPORT_BYTES

log = logging.getLogger(__name__)
API_ERRORS = Counter("anfang_api_errors_total", "API requests refused", ["status"])


class BodyLimit:
    """Refuses request bodies over ``limit`` bytes with 413, before reading them whole."""

    def __init__(self, app: ASGIApp, limit: int, overrides: dict[str, int] | None = None) -> None:
        self.app = app
        self.limit = limit
        self.overrides = overrides or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        limit = next((n for p, n in self.overrides.items() if path.startswith(p)), self.limit)
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._too_large(scope, receive, send, limit)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > limit:
                    raise _TooLarge
            return msg

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await self._too_large(scope, receive, send, limit)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        API_ERRORS.labels("413").inc()
        resp = JSONResponse({"detail": f"request body larger than {limit} bytes"}, status_code=413)
        await resp(scope, receive, send)


class _TooLarge(Exception):
    pass


def routers() -> list[APIRouter]:
    """Every router of the API, mounted under ``/api/v1``: the platform's own, the site
    model's, the HTTP push interface's and every subsystem's."""
    own = [
        auth.router,
        users.router,
        service_accounts.router,
        events.router,
        alarms.router,
        stream.router,
        audit.router,
    ]
    return [*own, site_api.router, http_push_api.router, *registry.routers()]


def create_app(settings: Settings | None = None, *, platform: Platform | None = None) -> FastAPI:
    """Build the app; the platform starts and stops with it unless one is handed in running."""
    settings = settings or (platform.settings if platform else Settings())
    redact.install()
    owned = platform is None
    plat = platform or Platform(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not plat.started:
            await plat.start()
            kept = plat.initial_password_file()
            if kept is not None:
                # The first admin must be able to log in: say where the password is (the
                # file only its owner can read), never print it into a shared log.
                print(
                    f"anfang: the admin password is in {kept} (readable by this user only) "
                    "until it is changed at the first login",
                    flush=True,
                )
        try:
            yield
        finally:
            if owned:
                await plat.stop()

    app = FastAPI(
        title="anfang 安防 API",
        version=__version__,
        description="Open control and development interface of the anfang monitoring centre.",
        lifespan=lifespan,
        docs_url=None,  # served from local files by app/docs.py, not from a CDN
        redoc_url=None,
    )
    app.state.platform = plat
    app.state.settings = settings
    for router in routers():
        app.include_router(router, prefix="/api/v1")
    for router in registry.root_routers():
        app.include_router(router)
    _install_handlers(app)
    document_errors(app)

    @app.get("/healthz", tags=["system"])
    async def healthz() -> JSONResponse:
        """Liveness and database health."""
        ok = plat.started and plat.writer.healthy and plat.audit.broken is None
        body: dict[str, Any] = {"status": "ok" if ok else "degraded", "version": __version__}
        if plat.audit.broken is not None:
            body["audit"] = "chain broken: see the log and docs/security.md"
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.get("/metrics", tags=["system"], include_in_schema=False)
    async def metrics(_: Annotated[Principal, Depends(require(Perm.METRICS_READ))]) -> Response:
        """Prometheus metrics (a scraper authenticates with a bearer token)."""
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    mount_docs(app)
    _mount_console(app)
    # Import files may be larger than API calls (10 MB plus multipart overhead).
    app.add_middleware(
        BodyLimit,
        limit=settings.max_body_bytes,
        overrides={
            "/api/v1/imports/": MAX_IMPORT_BYTES + 256 * 1024,
            # face photos: the face service's own limit answers with a specific 413
            "/api/v1/face/": settings.face_max_upload_bytes + 256 * 1024,
        },
    )
    app.add_middleware(Admission, limit=settings.api_max_concurrent)
    app.add_middleware(SecurityHeaders)
    return app


def _mount_console(app: FastAPI) -> None:
    try:
        from anfang.web import mount_console
    except ImportError:
        log.warning("console not available")
        return
    mount_console(app)


NOT_FOUND_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>页面不存在 · Not found</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml"></head>
<body><h1>页面不存在</h1><p>该地址没有对应的页面。 This address has no page.</p>
<p><a href="/">返回监控中心 · Back to the console</a></p></body></html>
"""


def _install_handlers(app: FastAPI) -> None:
    def handler(
        status: int, detail: Callable[[Exception], Any], headers: dict[str, str] | None = None
    ) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
        async def handle(request: Request, exc: Exception) -> JSONResponse:
            API_ERRORS.labels(str(status)).inc()
            return JSONResponse({"detail": detail(exc)}, status_code=status, headers=headers)

        return handle

    app.add_exception_handler(
        StorageUnavailable,
        handler(503, lambda e: f"storage unavailable, nothing stored: {e}", {"Retry-After": "1"}),
    )
    app.add_exception_handler(UnknownEventKind, handler(422, str))
    # Safety nets under the API's own bounds (types.DbId): a number the database cannot
    # hold, a value of the wrong shape for its column, a constraint a race got past.
    out_of_range = "a number is out of range for the database"
    app.add_exception_handler(OverflowError, handler(422, lambda e: out_of_range))
    app.add_exception_handler(DataError, handler(422, lambda e: "a value does not fit its field"))
    app.add_exception_handler(IntegrityError, handler(409, integrity_message))
    # Readers waited too long for a database connection: shed, never queue or 500.
    app.add_exception_handler(
        PoolTimeout, handler(503, lambda e: "server busy; retry shortly", {"Retry-After": "1"})
    )

    async def domain(request: Request, exc: Exception) -> JSONResponse:
        # Every service's refusal, mapped in this one place.
        assert isinstance(exc, DomainError)
        API_ERRORS.labels(str(exc.status)).inc()
        body: dict[str, object] = {"detail": exc.message}
        if exc.code is not None:
            body["code"] = exc.code
            body["params"] = exc.params or {}
        return JSONResponse(body, status_code=exc.status)

    app.add_exception_handler(DomainError, domain)

    async def validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        API_ERRORS.labels("422").inc()
        errors = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ())),
                "message": e.get("msg", ""),
                "type": e.get("type", ""),
            }
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"field": "", "message": "invalid request"}
        return JSONResponse(
            {"detail": f"{first['field']}: {first['message']}", "errors": errors},
            status_code=422,
        )

    app.add_exception_handler(RequestValidationError, validation)

    async def not_found(request: Request, exc: Exception) -> Response:
        # A person who typed a wrong address gets a page in their language with a way back;
        # the API and every program asking for JSON keep the JSON answer.
        assert isinstance(exc, StarletteHTTPException)
        wants_page = "text/html" in request.headers.get("accept", "")
        path = request.url.path
        if exc.status_code == 404 and wants_page and not path.startswith(("/api/", "/ingest/")):
            return HTMLResponse(NOT_FOUND_PAGE, status_code=404)
        return await http_exception_handler(request, exc)

    app.add_exception_handler(StarletteHTTPException, not_found)
