"""The API's interactive documentation, served whole from anfang itself.

FastAPI's own ``/docs`` loads Swagger UI from a CDN and writes an inline script, so on a
monitoring centre's closed network it stayed blank (issue 14). Here the Swagger UI files
come from the PyPI package ``fastapi-offline`` (MIT; Swagger UI itself is Apache-2.0),
and the page's one script of our own is a file, so it runs under ``script-src 'self'``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs/assets"
_PAGE = f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>anfang 安防 API</title>
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
<link rel="icon" href="{ASSETS}/favicon.png">
</head><body><div id="swagger-ui"></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body></html>
"""
_INIT = """window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: false,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
"""
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'"
)


def _assets() -> Path | None:
    try:
        import fastapi_offline
    except ImportError:
        return None
    return Path(fastapi_offline.__file__).parent / "static"


def mount_docs(app: FastAPI) -> None:
    """Serve ``/docs`` (Swagger UI) from local files; without them, say so in one line."""
    folder = _assets()
    if folder is None or not (folder / "swagger-ui-bundle.js").is_file():

        @app.get("/docs", include_in_schema=False)
        async def no_docs() -> Response:
            return Response("API docs need the fastapi-offline package; /openapi.json works.")

        return
    app.mount(ASSETS, StaticFiles(directory=folder), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(_PAGE, headers={"Content-Security-Policy": CSP})

    @app.get("/docs/init.js", include_in_schema=False)
    async def init() -> Response:
        return Response(_INIT, media_type="text/javascript")
