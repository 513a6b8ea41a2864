"""The operator console: a static single-page app served by the API's FastAPI app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).resolve().parent / "static"

# Everything loads from anfang itself (closed LAN): the policy makes the browser refuse
# any other origin, so a stray CDN reference fails loudly in development. Media Source
# players (live view, playback) attach through blob: object URLs, hence media-src blob:.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; media-src 'self' blob:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

# Assets are not fingerprinted (no build step), so browsers must revalidate every use;
# the ETag/Last-Modified that StaticFiles sends turns that into a cheap 304 on the LAN.
ASSET_CACHE_CONTROL = "no-cache"
PAGE_CACHE_CONTROL = "no-cache, no-store, must-revalidate"

_COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class ConsoleStaticFiles(StaticFiles):
    """StaticFiles that adds the console's cache and security headers."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        """Serve one asset with revalidation caching."""
        response = await super().get_response(path, scope)
        response.headers["Cache-Control"] = ASSET_CACHE_CONTROL
        for name, value in _COMMON_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def _index() -> FileResponse:
    return FileResponse(
        STATIC_DIR / "index.html",
        media_type="text/html; charset=utf-8",
        headers={
            "Cache-Control": PAGE_CACHE_CONTROL,
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "X-Frame-Options": "DENY",
            **_COMMON_HEADERS,
        },
    )


def mount_console(app: FastAPI) -> None:
    """Serve the console: ``/`` is the page, ``/static/...`` its scripts, styles and icon."""
    app.add_api_route("/", _index, methods=["GET", "HEAD"], include_in_schema=False)
    app.mount("/static", ConsoleStaticFiles(directory=STATIC_DIR), name="static")
